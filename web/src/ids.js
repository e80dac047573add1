// Wire identifiers of spec §6 (mirrors srcodec.format.ids): fixed forever once released.

export const BASES = { 0: 'png', 1: 'jpeg', 2: 'webp', 3: 'avif', 4: 'learned' };
export const BASE_LEARNED = 4;
export const UPSCALERS = { 0: 'bicubic', 1: 'raisr', 2: 'cnn', 3: 'restore' };
export const UPSCALER_BICUBIC = 0;
export const DOWNSAMPLER_AA_CUBIC = 0;
export const COLOUR_GRAY = 0;
export const COLOUR_RGB = 1;
export const QUALITY_NONE = 255;
export const CHUNK = { HEAD: 0x48, BASE: 0x42, ALPHA: 0x41, STRENGTH: 0x53, ICC: 0x69, EXIF: 0x78 };
