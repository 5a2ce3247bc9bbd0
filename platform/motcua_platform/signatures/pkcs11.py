"""A signer whose key lives on a PKCS#11 token: a USB token, a network HSM, or SoftHSM2 in the tests. The
key never leaves the token: the token signs the digest, and this module only opens a session for one
signature (logged in with the PIN, read at that moment) and closes it after.

Needs the ``pkcs11`` extra (python-pkcs11); importing this module without it raises ImportError, and the
settings say which extra to install.

No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.general import load_certs_from_pemder
from pyhanko.sign.pkcs11 import PKCS11SigningContext

from motcua_platform.i18n import _
from motcua_platform.signatures.signer import PadesSigner, SigningError

PinSource = Callable[[], str]


@dataclass(frozen=True)
class Pkcs11Key:
    """The key ``key_label`` (and its certificate ``cert_label``, by default the same label) on the token
    ``token_label`` of the PKCS#11 ``module``; ``chain`` names PEM/DER files of intermediates to embed
    when the token does not hold them."""

    module: Path
    token_label: str
    key_label: str
    pin: PinSource = field(repr=False)
    cert_label: str | None = None
    chain: tuple[Path, ...] = ()

    @contextmanager
    def __call__(self) -> Iterator[signers.Signer]:
        if not Path(self.module).is_file():
            raise SigningError(_("The PKCS#11 module %(path)s does not exist.", path=str(self.module)))
        pin = self.pin()  # its own errors (a variable not set) say what to fix
        try:
            other_certs = list(load_certs_from_pemder([str(p) for p in self.chain])) if self.chain else None
            config = PKCS11SignatureConfig(
                module_path=str(self.module),
                token_criteria=TokenCriteria(label=self.token_label),
                key_label=self.key_label,
                cert_label=self.cert_label or self.key_label,
                other_certs=other_certs,
            )
            context = PKCS11SigningContext(config, user_pin=pin)
            signer = context.__enter__()
        except Exception:
            # the token's own message may name the slot or echo input; the PIN is never in ours
            raise SigningError(
                _(
                    "The signing key %(key)s on token %(token)s could not be opened: wrong PIN, or no such "
                    "token, key or certificate.",
                    key=self.key_label,
                    token=self.token_label,
                )
            ) from None
        try:
            yield signer
        finally:
            context.__exit__(None, None, None)


class Pkcs11Signer(PadesSigner):
    """A ``Signer`` with its key on a PKCS#11 token; ``options`` are ``PadesSigner``'s."""

    def __init__(
        self,
        module: Path | str,
        *,
        token_label: str,
        key_label: str,
        pin: PinSource,
        cert_label: str | None = None,
        chain: tuple[Path, ...] = (),
        **options,
    ):
        key = Pkcs11Key(Path(module), token_label, key_label, pin, cert_label, tuple(Path(p) for p in chain))
        super().__init__(cms_signer=key, **options)
