"""A signer whose key is a PKCS#12 file (``.p12``/``.pfx``) and its passphrase: the usual form in which a
Vietnamese CA delivers an agency's seal certificate when no token is used.

The file and the passphrase are read when a document is signed, each time (a renewed certificate is used
from the next signature on, with no restart), and held only for that signature: nothing copies the key
anywhere else, and no log, error or repr carries the passphrase.

No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyhanko.sign import signers
from pyhanko.sign.general import load_certs_from_pemder

from motcua_platform.i18n import _
from motcua_platform.signatures.signer import PadesSigner, SigningError

# Where the passphrase comes from: a callable (the settings build one that reads a file or an environment
# variable at that moment), so that it is never kept in a long-lived object.
PassphraseSource = Callable[[], bytes | None]


@dataclass(frozen=True)
class Pkcs12Key:
    """Opens a PKCS#12 file for one signature. ``chain`` names PEM/DER files of intermediate certificates
    to embed when the file itself does not carry them."""

    path: Path
    passphrase: PassphraseSource = field(repr=False)
    chain: tuple[Path, ...] = ()

    @contextmanager
    def __call__(self) -> Iterator[signers.Signer]:
        try:
            data = Path(self.path).read_bytes()
        except OSError as exc:
            raise SigningError(
                _("The signing key file %(path)s cannot be read (%(cause)s).", path=str(self.path), cause=exc.strerror)
            ) from None
        passphrase = self.passphrase()  # its own errors (a variable not set) say what to fix
        try:
            other_certs = list(load_certs_from_pemder([str(p) for p in self.chain])) if self.chain else []
            signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=other_certs, passphrase=passphrase)
        except Exception:
            # the cause (a wrong passphrase, a damaged file) is not repeated: some libraries echo their input
            raise SigningError(
                _(
                    "The signing key file %(path)s could not be opened: wrong passphrase or not a PKCS#12 file.",
                    path=str(self.path),
                )
            ) from None
        try:
            yield signer
        finally:
            del signer, data, passphrase


class Pkcs12Signer(PadesSigner):
    """A ``Signer`` with a PKCS#12 key; ``options`` are ``PadesSigner``'s (``tsa_url``, ``placement``…)."""

    def __init__(self, path: Path | str, passphrase: PassphraseSource, *, chain: tuple[Path, ...] = (), **options):
        super().__init__(cms_signer=Pkcs12Key(Path(path), passphrase, tuple(Path(p) for p in chain)), **options)
