"""A province's signing set-up: ``<MOTCUA_SIGNING_KEYS_DIR>/<slug>/signing.toml``, read each time it is
needed (a renewed certificate or a changed PIN takes effect at the next signature, with no restart).

    tsa_url = "https://tsa.example.vn"      # optional: this province's timestamp authority
    embed_revocation = true                 # optional: B-LT, the chain's CRLs/OCSP embedded when signing

    [seal]                                  # the key behind the agency's seal
    type = "pkcs12"
    file = "seal.p12"                       # relative to the province's folder
    passphrase_file = "seal.passphrase"     # or passphrase_env = "DAKLAK_SEAL_PASSPHRASE"
    chain = ["issuing-ca.pem"]              # optional intermediates to embed

    # or, on a token / HSM (needs the `pkcs11` extra):
    # type = "pkcs11"
    # module = "/usr/lib/softhsm/libsofthsm2.so"
    # token_label = "daklak"
    # key_label = "seal"
    # pin_file = "token.pin"                # or pin_env = "DAKLAK_TOKEN_PIN"

    [officers."lan@daklak.gov.vn"]          # an officer's own key, held for them server-side (a remote
    type = "pkcs12"                         # signing service's or an HSM's way): the same fields as [seal],
    file = "officers/lan.p12"               # keyed by the staff account's e-mail
    passphrase_env = "DAKLAK_LAN_PASSPHRASE"

Secrets (passphrases, PINs) are never in this file: it names where they are, a file readable by the
platform's user only or an environment variable, and they are read at the moment of signing.

No Flask here.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyhanko_certvalidator import ValidationContext

from motcua_platform.config import Config
from motcua_platform.errors import InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.signatures.signer import PadesSigner, SigningError
from motcua_platform.signatures.stamp import StampPlacement
from motcua_platform.signatures.trust import TrustList
from motcua_platform.signatures.verify import SignatureReport, verify

log = logging.getLogger(__name__)

SETTINGS_FILE = "signing.toml"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
URL = re.compile(r"https?://[^\s/]+(/\S*)?")


class SigningNotConfigured(NotFound):
    """This province has no signing key set up (no folder, no signing.toml, or no [seal])."""


class SigningMisconfigured(InvalidInput):
    """The province's signing.toml says something that cannot be used; the message names the key."""


@dataclass(frozen=True)
class ProvinceSigning:
    """What ``signing.toml`` says, paths resolved against the province's folder."""

    folder: Path
    seal: dict[str, Any] | None
    tsa_url: str | None
    embed_revocation: bool
    officers: dict[str, dict[str, Any]]


# The vendor's own keys (the operator of the platform, who signs the invoices it sends to provinces): a folder
# no province can have, since a tenant's slug starts with a letter (``db.database.SLUG_RE``).
VENDOR_FOLDER = "_vendor"


def province_signing(config: Config, slug: str) -> ProvinceSigning:
    if not SLUG.fullmatch(slug):
        raise SigningNotConfigured(_("No signing set-up for %(slug)s.", slug=slug))
    return _signing_in(config, slug)


def _signing_in(config: Config, slug: str) -> ProvinceSigning:
    if config.signing_keys_dir is None:
        raise SigningNotConfigured(_("Signing is not set up on this platform (MOTCUA_SIGNING_KEYS_DIR)."))
    folder = Path(config.signing_keys_dir) / slug
    path = folder / SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SigningNotConfigured(_("No signing set-up for %(slug)s.", slug=slug)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SigningMisconfigured(_("%(path)s cannot be read: %(cause)s", path=str(path), cause=str(exc))) from None
    seal = data.get("seal")
    if seal is not None and not isinstance(seal, dict):
        raise SigningMisconfigured(_("%(path)s: [seal] must be a section.", path=str(path)))
    officers = data.get("officers", {})
    if not (isinstance(officers, dict) and all(isinstance(v, dict) for v in officers.values())):
        raise SigningMisconfigured(_('%(path)s: officers must be sections like [officers."lan@…"].', path=str(path)))
    tsa_url = data.get("tsa_url", config.signing_tsa_url)
    if tsa_url is not None and not (isinstance(tsa_url, str) and URL.fullmatch(tsa_url)):
        raise SigningMisconfigured(_("%(path)s: tsa_url must be an http(s) URL.", path=str(path)))
    officers = {str(email).strip().lower(): section for email, section in officers.items()}
    return ProvinceSigning(folder, seal, tsa_url, bool(data.get("embed_revocation", False)), officers)


def seal_signer(config: Config, slug: str, *, placement: StampPlacement | None = None) -> PadesSigner:
    """The ``Signer`` of the province's seal, as its signing.toml sets it up; ``placement``: where its stamp
    goes (default: the lower right corner of the last page)."""
    setup = province_signing(config, slug)
    if setup.seal is None:
        path = setup.folder / SETTINGS_FILE
        raise SigningNotConfigured(_("%(path)s has no [seal] section.", path=str(path)))
    return _signer(config, setup, setup.seal, "[seal]", placement)


def vendor_seal_signer(config: Config, *, placement: StampPlacement | None = None) -> PadesSigner:
    """The ``Signer`` of the vendor's seal, for invoices: ``<MOTCUA_SIGNING_KEYS_DIR>/_vendor/signing.toml``,
    the same ``[seal]`` section as a province's."""
    setup = _signing_in(config, VENDOR_FOLDER)
    if setup.seal is None:
        path = setup.folder / SETTINGS_FILE
        raise SigningNotConfigured(_("%(path)s has no [seal] section.", path=str(path)))
    return _signer(config, setup, setup.seal, "[seal]", placement)


def officer_signer(config: Config, slug: str, email: str, *, placement: StampPlacement | None = None) -> PadesSigner:
    """The ``Signer`` of an officer's own key, held for them server-side under ``[officers."<email>"]``
    of the province's signing.toml (how a remote signing service or an HSM holds officers' keys)."""
    setup = province_signing(config, slug)
    section = setup.officers.get(email.strip().lower())
    if section is None:
        path = setup.folder / SETTINGS_FILE
        raise SigningNotConfigured(
            _(
                '%(path)s holds no key for %(email)s: add an [officers."%(email)s"] section.',
                path=str(path),
                email=email,
            )
        )
    return _signer(config, setup, section, f'[officers."{email}"]', placement)


def _signer(
    config: Config, setup: ProvinceSigning, seal: dict[str, Any], name: str, placement: StampPlacement | None
) -> PadesSigner:
    """A key section of signing.toml (``[seal]`` or an officer's) as a ``Signer``; ``name`` for messages."""
    options: dict[str, Any] = {"tsa_url": setup.tsa_url, "font": config.pdf_font}
    if placement is not None:
        options["placement"] = placement
    if setup.embed_revocation:
        trust = trust_list(config)
        options |= {
            "embed_validation": True,
            "validation_context": ValidationContext(
                trust_roots=list(trust.roots), other_certs=list(trust.intermediates), allow_fetching=True
            ),
        }
    chain = tuple(setup.folder / str(p) for p in seal.get("chain", ()))
    kind = seal.get("type")
    if kind == "pkcs12":
        from motcua_platform.signatures.pkcs12 import Pkcs12Signer

        secret = _secret(setup.folder, seal, "passphrase", name)
        return Pkcs12Signer(
            setup.folder / _required(seal, "file", name), lambda: secret().encode(), chain=chain, **options
        )
    if kind == "pkcs11":
        try:
            from motcua_platform.signatures.pkcs11 import Pkcs11Signer
        except ImportError:
            raise SigningMisconfigured(
                _("A PKCS#11 seal needs the pkcs11 extra: pip install 'motcua-cloud[pkcs11]'.")
            ) from None
        return Pkcs11Signer(
            _required(seal, "module", name),
            token_label=_required(seal, "token_label", name),
            key_label=_required(seal, "key_label", name),
            cert_label=seal.get("cert_label"),
            pin=_secret(setup.folder, seal, "pin", name),
            chain=chain,
            **options,
        )
    raise SigningMisconfigured(_("The %(section)s type must be pkcs12 or pkcs11.", section=name))


def trust_list(config: Config) -> TrustList:
    """The deployment's trust list; empty when none is set (then no signer is trusted)."""
    if config.signing_trust_list is None:
        return TrustList()
    return TrustList.from_file(config.signing_trust_list)


def usable_trust_list(config: Config) -> TrustList:
    """The trust list, or an empty one (nothing trusted, said on every report) when its file is unusable: a
    misconfigured trust list never turns an upload or a signature into an error; it is logged."""
    try:
        return trust_list(config)
    except Exception:
        log.exception("the signing trust list cannot be read: signatures are checked against an empty one")
        return TrustList()


def verify_document(config: Config, pdf: bytes) -> list[SignatureReport]:
    """``verify`` with the deployment's trust list, fetching revocation data unless
    ``MOTCUA_SIGNING_FETCH_REVOCATION=0``."""
    return verify(pdf, trust_list(config), allow_fetching=config.signing_fetch_revocation)


def _required(section: dict[str, Any], key: str, name: str) -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value:
        raise SigningMisconfigured(_("The %(section)s section needs %(key)s.", section=name, key=key))
    return value


def _secret(folder: Path, section: dict[str, Any], name: str, section_name: str) -> Callable[[], str]:
    """Where the secret ``name`` comes from (``<name>_file`` or ``<name>_env``), as a function that reads it
    when called: the secret is not kept in the signer."""
    file, env = section.get(f"{name}_file"), section.get(f"{name}_env")
    if bool(file) == bool(env):
        raise SigningMisconfigured(
            _(
                "The %(section)s section needs exactly one of %(name)s_file and %(name)s_env.",
                section=section_name,
                name=name,
            )
        )
    if file:
        path = folder / str(file)

        def from_file() -> str:
            try:
                return path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise SigningError(
                    _("The secret file %(path)s cannot be read (%(cause)s).", path=str(path), cause=exc.strerror)
                ) from None

        return from_file

    def from_environment() -> str:
        value = os.environ.get(str(env))
        if value is None:
            raise SigningError(_("The environment variable %(name)s is not set.", name=str(env)))
        return value

    return from_environment
