export { FELICA_ATR, ISO14443_4_ATR, MIFARE_CLASSIC_ATR } from './card-atrs.js';
export { DEFAULT_HOLD_MS, parseCommand, type SlotCommand } from './commands.js';
export {
  type CardBehaviour,
  type CardReply,
  felicaCard,
  foreignCard,
  respond,
  type VirtualCard,
} from './virtual-card.js';
export {
  type AnsweredInfo,
  type SlotEvent,
  type SlotState,
  VirtualCardSlot,
  type VirtualCardSlotOptions,
} from './virtual-card-slot.js';
export { encodeFrame, FrameDecoder, VPCD_CTRL, VPCD_DEFAULT_PORT } from './vpcd-frame.js';
