"""Exception hierarchy: every error srcodec raises on purpose derives from SrcodecError.

FormatError and its subclasses mean "the stream breaks the spec" (the file's fault);
UsageError means "the caller asked for something invalid", and its FileError "a file the
caller named cannot be used"; BackendUnavailableError means "this installation lacks a
piece" (no AVIF in Pillow, no torch, no CUDA). The CLI maps FormatError, FileError,
BackendUnavailableError and OSError to exit 1 (the files or the machine are at fault) and
every other UsageError to exit 2 (the command line is); the table is in docs/guide.md.
"""

from __future__ import annotations


class SrcodecError(Exception):
    """Base class of all srcodec errors."""


class UsageError(SrcodecError, ValueError):
    """Invalid argument or option (unknown codec name, quality out of range, ...)."""


class FileError(UsageError):
    """A file or folder the caller named cannot be used: missing, a folder where a file is
    wanted (or the reverse), unreadable, empty, not an image, or an output that cannot be
    written there. For a library caller the argument is wrong, so it is a UsageError; the
    CLI exits 1 for it, not 2, because the files and not the command line are at fault."""


class BackendUnavailableError(SrcodecError):
    """A needed optional component is missing (Pillow built without AVIF, torch, CUDA)."""


class FormatError(SrcodecError):
    """The stream violates the bitstream specification (spec section 9)."""


class NotSrzError(FormatError):
    """The data does not start with the .srz signature (spec §2)."""


class TruncatedError(FormatError):
    """The stream ends before a declared length or before the base chunk (spec §3)."""


class ChecksumError(FormatError):
    """A chunk's CRC-32 does not match its contents (spec §3)."""


class UnsupportedError(FormatError):
    """Valid for a newer or extended spec, but not for this decoder: major version,
    unknown critical chunk, unknown codec/upscaler/downsampler id (spec §9)."""


class LimitError(FormatError):
    """A declared size exceeds a decoder limit (pixels, chunk length; spec §8)."""


class CorruptError(FormatError):
    """Structurally invalid: bad chunk order, duplicate chunk, bad field value, a base
    payload the base codec cannot decode or that decodes to the wrong size (spec §9)."""


class SrcodecWarning(UserWarning):
    """Base class of srcodec's warnings; the CLI prints each as one `srcodec: warning:` line."""


class LossWarning(SrcodecWarning):
    """Something the caller gave or the stream carries is dropped by the chosen output
    (alpha in a JPEG, an ICC profile in a BMP, provenance where no text field exists)."""
