export { atrCheckByte, atrHex, isFelicaAtr, STANDARD_FELICA, storageCardInfo } from './atr.js';
export { CardReadError, type CardReadFailure, PcscUnavailableError } from './errors.js';
export type { PcscLogger } from './logger.js';
export { loadNfcPcsc, type ModuleImporter, type NfcFactory } from './nfc-pcsc.js';
export { type ContextState, PcscCardReader, type PcscCardReaderOptions } from './pcsc-card-reader.js';
export { type PcscReaderConfig, ReaderAssignment } from './reader-assignment.js';
export { defaultPcscdSocket, probePcscd } from './service-probe.js';
