/**
 * A vehicle id as it may appear in an MQTT topic and as the CN of the bus's client certificate:
 * no MQTT wildcards (`+`, `#`), no level separator (`/`), nothing mosquitto's `%u` pattern
 * substitution would refuse. It lives in the domain because both the config schema (a bad id is
 * refused at start, exit 2) and the topic builders of sync/ (which throw on one) judge it.
 */
export const VEHICLE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const VEHICLE_ID_RULE =
  'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit';

export function isValidVehicleId(id: string): boolean {
  return VEHICLE_ID_PATTERN.test(id);
}
