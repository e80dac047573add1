// The decoder's refusals, one class per kind of spec §9, named as the Python reference
// decoder names them (srcodec.errors), so a caller (and the tests) can compare by `kind`.

export class SrcodecError extends Error {
  get kind() {
    return this.constructor.name;
  }
}

export class FormatError extends SrcodecError {}
export class NotSrzError extends FormatError {}
export class TruncatedError extends FormatError {}
export class ChecksumError extends FormatError {}
export class UnsupportedError extends FormatError {}
export class LimitError extends FormatError {}
export class CorruptError extends FormatError {}
// this browser lacks a piece (no decoder for the base's format, no onnxruntime-web)
export class BackendUnavailableError extends SrcodecError {}

// class names are kept by hand: a minifier may rename classes, the kinds must not change
for (const [name, cls] of Object.entries({
  SrcodecError, FormatError, NotSrzError, TruncatedError, ChecksumError, UnsupportedError,
  LimitError, CorruptError, BackendUnavailableError,
})) {
  Object.defineProperty(cls, 'name', { value: name });
  Object.defineProperty(cls.prototype, 'name', { value: name });
}
