"""Signing and verifying PDFs (motcua_platform.signatures): a real form the platform prints, signed with a
province's seal by the tests' own certificate authority (tests/signing_ca.py), then verified by the
platform and by an independent tool (poppler's pdfsig); and every way a signature can be wrong (changed
after signing, revoked, expired, unknown root, a later revision, a broken file) reported as such."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import signature_support
from cryptography.hazmat.primitives.serialization import Encoding
from motcua_onestop.dossiers.forms.rendering import html_to_pdf, qr_data_uri, render_html
from motcua_onestop.dossiers.forms.samples import sample_context
from motcua_platform.config import Config, load_config
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import use_locale
from motcua_platform.rendering.pdf import find_font
from motcua_platform.signatures.pkcs11 import Pkcs11Signer
from motcua_platform.signatures.pkcs12 import Pkcs12Signer
from motcua_platform.signatures.settings import (
    SigningMisconfigured,
    SigningNotConfigured,
    seal_signer,
    trust_list,
    verify_document,
)
from motcua_platform.signatures.signer import Signer, SigningError
from motcua_platform.signatures.stamp import StampText
from motcua_platform.signatures.trust import TrustList
from motcua_platform.signatures.verify import Note, Problem, verify
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from signing_ca import PASSPHRASE, SigningCA, write_pem_key

ca_server, ca = signature_support.ca_server, signature_support.ca

AGENCY = "UBND tỉnh Đắk Lắk"


@pytest.fixture(scope="module")
def trust(ca) -> TrustList:
    return TrustList.from_file(ca.trust_list)


@pytest.fixture(scope="module")
def receipt() -> bytes:
    """Form 01 (the receipt and appointment slip) as the platform prints it, from the sample dossier."""
    context = sample_context("01")
    context["qr"] = qr_data_uri(context["tracking_url"])
    return html_to_pdf(render_html("01", context), find_font(), title="Mẫu 01", creator="Motcua Cloud")


def signer_of(issued, **options) -> Pkcs12Signer:
    return Pkcs12Signer(issued.p12, lambda: PASSPHRASE, **options)


def sign(pdf: bytes, issued, field_name: str = "Signature1", **options) -> bytes:
    return signer_of(issued, **options).sign(
        pdf,
        stamp=StampText(signer=issued.name, agency=AGENCY),
        field_name=field_name,
        reason="Ký số kết quả giải quyết thủ tục hành chính",
        location="Buôn Ma Thuột",
    )


@pytest.fixture(scope="module")
def sealed(receipt, ca) -> bytes:
    return sign(receipt, ca.seal)


def only(reports):
    assert len(reports) == 1, reports
    return reports[0]


def pdfsig(pdf: bytes) -> str:
    if not shutil.which("pdfsig"):
        pytest.skip("pdfsig is not installed (apt-get install -y poppler-utils)")
    folder = Path(tempfile.mkdtemp(prefix="motcua-pdfsig-"))
    path = folder / "document.pdf"
    path.write_bytes(pdf)
    # pdfsig exits non-zero when a signature is not valid; its report is what is checked
    run = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


# -- a good signature -----------------------------------------------------------------------------------


def test_a_form_sealed_by_the_province_verifies_intact_trusted_and_not_revoked(sealed, trust, ca):
    report = only(verify(sealed, trust, allow_fetching=True))

    assert report.good, report.reasons
    assert report.problems == ()
    assert (report.intact, report.valid, report.trusted, report.revoked) == (True, True, True, False)
    assert report.revocation_checked  # the issuing CA's CRL was fetched from its distribution point
    assert report.covers_whole_document and report.modification == "none"
    assert report.field_name == "Signature1"
    assert report.signer.name == AGENCY and report.signer.organization == AGENCY
    assert report.signer.issuer == "Motcua Test Issuing CA"
    assert report.signer.fingerprint == ca.seal.asn1.sha256.hex()
    assert abs(report.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert report.notes == (Note.NO_TIMESTAMP,)


def test_poppler_pdfsig_finds_the_signature_valid(sealed):
    output = pdfsig(sealed)

    assert "Signature #1" in output
    assert "Signer Certificate Common Name: UBND tỉnh Đắk Lắk" in output
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output
    assert "ETSI.CAdES.detached" in output  # PAdES


def test_the_stamp_names_signer_agency_and_time_in_vietnamese(sealed):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (apt-get install -y poppler-utils)")
    text = subprocess.run(["pdftotext", "-", "-"], input=sealed, capture_output=True, timeout=60, check=True)
    words = " ".join(text.stdout.decode().split())

    # the stamp's text comes back with its diacritics: each glyph is mapped back to its letter
    assert "Ký bởi: UBND tỉnh Đắk Lắk" in words
    assert "Cơ quan: UBND tỉnh Đắk Lắk" in words
    assert re.search(r"Thời gian: \d\d:\d\d:\d\d ngày \d\d/\d\d/\d{4} \(GMT\+0700\)", words)


def test_the_stamp_letters_stand_as_far_apart_as_the_font_says(sealed):
    """pyHanko writes the font's own units as PDF glyph widths (thousandths of an em); DejaVu has 2048 to
    the em, so unless it is rescaled every letter stands twice as far from the next."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (apt-get install -y poppler-utils)")
    from fontTools.ttLib import TTFont

    line = "Cơ quan: UBND tỉnh Đắk Lắk"
    layout = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=sealed, capture_output=True, timeout=60, check=True)
    box = re.search(
        rf'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">{line}</word>', layout.stdout.decode()
    )
    assert box, layout.stdout.decode()[-2000:]
    drawn = float(box[2]) - float(box[1])
    font = TTFont(find_font())
    cmap, metrics, per_em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    expected = sum(metrics[cmap[ord(c)]][0] for c in line) / per_em * 9  # the stamp's 9 pt

    assert 0.8 < drawn / expected < 1.2, (drawn, expected)
    # and the three lines start at one left edge
    starts = {
        round(float(x), 1)
        for x in re.findall(r'<word xMin="([\d.]+)"[^>]*>(?:Ký bởi|Cơ quan|Thời gian):', layout.stdout.decode())
    }
    assert len(starts) == 1, starts


def test_the_signed_page_renders_the_stamp(sealed):
    """Renders the signed page to PNG (looked at when this was written: docs/images/signature-stamp.png)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed (apt-get install -y poppler-utils)")
    folder = Path(tempfile.mkdtemp(prefix="motcua-stamp-"))
    (folder / "signed.pdf").write_bytes(sealed)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(folder / "signed.pdf"), str(folder / "page")],
        check=True,
        timeout=60,
    )
    (png,) = folder.glob("page*.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_without_fetching_the_revocation_is_said_not_checked(sealed, trust, ca_server):
    before = len(ca_server.log)
    report = only(verify(sealed, trust, allow_fetching=False))

    assert report.good and report.trusted
    assert not report.revocation_checked
    assert Note.REVOCATION_NOT_CHECKED in report.notes
    assert len(ca_server.log) == before  # nothing was fetched


def test_an_unreachable_crl_server_leaves_the_signature_good_but_revocation_unchecked(receipt):
    offline = SigningCA("http://127.0.0.1:9")  # nothing listens there: every CRL fetch is refused
    report = only(verify(sign(receipt, offline.officer), TrustList.from_file(offline.trust_list), allow_fetching=True))

    assert report.good and report.trusted, report.reasons
    assert not report.revocation_checked and Note.REVOCATION_NOT_CHECKED in report.notes


def test_a_timestamp_authority_makes_the_signing_time_trusted(receipt, trust, ca, ca_server):
    tsa_url = ca.serve_timestamps(ca_server)
    signed = sign(receipt, ca.officer, tsa_url=tsa_url)
    report = only(verify(signed, trust, allow_fetching=True))

    assert report.good, report.reasons
    assert report.timestamped
    assert Note.NO_TIMESTAMP not in report.notes
    assert abs(report.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert "Signature is Valid." in pdfsig(signed)


def test_embedded_revocation_data_is_used_without_fetching(receipt, trust, ca):
    """B-LT: the CRLs are fetched when signing and embedded; the check later needs no network."""
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=list(trust.roots), allow_fetching=True, revocation_mode="hard-fail")
    signed = sign(receipt, ca.officer, embed_validation=True, validation_context=context)
    report = only(verify(signed, trust, allow_fetching=False))

    assert report.good, report.reasons
    assert report.revocation_checked
    assert Note.REVOCATION_NOT_CHECKED not in report.notes


def test_the_signer_interface(ca):
    assert isinstance(signer_of(ca.seal), Signer)
    assert "mat-khau" not in repr(signer_of(ca.seal))  # the passphrase is in no repr


def test_the_messages_are_in_vietnamese_and_english(receipt, trust, ca):
    report = only(verify(sign(receipt, ca.revoked), trust, allow_fetching=True))

    with use_locale("en"):
        assert "revoked" in str(report.reasons[0])
    with use_locale("vi"):
        assert "thu hồi" in str(report.reasons[0])


# -- what is wrong is reported as such ------------------------------------------------------------------


def test_one_byte_changed_after_signing_is_reported_broken(sealed, trust):
    title = sealed.index("Mẫu 01".encode("utf-16-be")) if "Mẫu 01".encode("utf-16-be") in sealed else None
    start = sealed.index(b"/Title") if title is None else title
    position = start + 2
    tampered = sealed[:position] + bytes([sealed[position] ^ 0x01]) + sealed[position + 1 :]
    assert len(tampered) == len(sealed) and tampered != sealed

    report = only(verify(tampered, trust, allow_fetching=True))

    assert not report.good
    assert not report.intact
    assert Problem.BROKEN in report.problems
    assert "Signature Validation: Signature is Valid." not in pdfsig(tampered)


def test_a_revoked_signer_is_reported_revoked(receipt, trust, ca):
    report = only(verify(sign(receipt, ca.revoked), trust, allow_fetching=True))

    assert not report.good
    assert report.revoked and not report.trusted
    assert report.problems == (Problem.REVOKED,)
    assert report.intact and report.valid


def test_revocation_told_by_ocsp_is_fetched_and_reported(receipt, trust, ca):
    """Signers whose certificates name an OCSP responder (and no CRL), as Vietnam's public CAs do: the
    responder's answer is fetched, good for one, revoked for the other; offline, neither is checked."""
    good = only(verify(sign(receipt, ca.ocsp_officer), trust, allow_fetching=True))
    assert good.good and good.trusted and good.revocation_checked and not good.revoked, good.reasons

    revoked = only(verify(sign(receipt, ca.ocsp_revoked), trust, allow_fetching=True))
    assert revoked.revoked and not revoked.trusted and not revoked.good
    assert revoked.problems == (Problem.REVOKED,) and revoked.intact and revoked.valid

    offline = only(verify(sign(receipt, ca.ocsp_revoked), trust, allow_fetching=False))
    assert not offline.revocation_checked and not offline.revoked


def test_an_expired_signer_is_reported_expired(receipt, trust, ca):
    report = only(verify(sign(receipt, ca.expired), trust, allow_fetching=True))

    assert not report.good
    assert Problem.EXPIRED in report.problems
    assert Problem.REVOKED not in report.problems
    assert report.signer.valid_until < report.signed_at


def test_a_signer_of_an_unknown_root_is_reported_untrusted(receipt, trust, ca):
    report = only(verify(sign(receipt, ca.stranger), trust, allow_fetching=True))

    assert not report.good
    assert report.problems == (Problem.UNTRUSTED,)
    assert report.intact and report.valid and not report.trusted
    assert report.signer.name == "Người Lạ"


def test_the_same_file_is_trusted_once_its_root_is_on_the_trust_list(receipt, ca):
    trust = TrustList.from_pem(ca.root.pem + ca.unknown_root.pem)
    report = only(verify(sign(receipt, ca.stranger), trust, allow_fetching=True))

    assert report.good, report.reasons  # so "untrusted" above is about the root, nothing else


def _append_revision(pdf: bytes) -> bytes:
    """An incremental update that draws a rectangle over the first page: content changed after signing."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    stream = generic.StreamObject(stream_data=b"q 1 0 0 rg 50 700 200 40 re f Q")
    writer.add_stream_to_page(0, writer.add_object(stream))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_a_signature_over_an_earlier_revision_is_reported(sealed, trust):
    changed = _append_revision(sealed)
    report = only(verify(changed, trust, allow_fetching=True))

    assert not report.good
    assert report.intact and report.valid and report.trusted  # what it signed is unchanged…
    assert not report.covers_whole_document  # …but it is not the whole document
    assert report.modification == "other"
    assert Problem.MODIFIED in report.problems
    assert "Total document signed" not in pdfsig(changed)


def test_a_later_signature_keeps_the_first_good(sealed, trust, ca):
    """The officer signs, then the records office seals: the first signature covers an earlier revision,
    and that is no fault."""
    both = sign(sealed, ca.officer, field_name="Signature2")
    first, second = verify(both, trust, allow_fetching=True)

    assert first.good and second.good, (first.reasons, second.reasons)
    assert not first.covers_whole_document and Note.LATER_SIGNATURES in first.notes
    assert second.covers_whole_document
    assert (first.signer.name, second.signer.name) == (AGENCY, ca.officer.name)


# -- broken and hostile files -----------------------------------------------------------------------------


def _contents_replaced(pdf: bytes) -> bytes:
    start = pdf.index(b"/Contents <") + len(b"/Contents <")
    return pdf[:start] + b"00" * 40 + pdf[start + 80 :]


@pytest.mark.parametrize(
    "damage",
    [
        lambda pdf: b"",
        lambda pdf: b"not a pdf at all",
        lambda pdf: (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"
        ),
        lambda pdf: pdf[: len(pdf) // 2],
        lambda pdf: pdf[:200] + bytes(range(256)) * 8 + pdf[2248:],
        _contents_replaced,
    ],
    ids=["empty", "text", "no-pages", "truncated", "garbage-inside", "signature-zeroed"],
)
def test_a_broken_file_is_a_report_not_an_exception(sealed, trust, damage):
    reports = verify(damage(sealed), trust, allow_fetching=False)

    assert all(not report.good for report in reports)
    for report in reports:
        assert report.problems  # each says what is wrong
        assert report.reasons


def test_signatures_beyond_the_limit_are_not_checked_but_said(sealed, trust, ca, monkeypatch):
    from motcua_platform.signatures import verify as verification

    both = sign(sealed, ca.officer, field_name="Signature2")
    monkeypatch.setattr(verification, "MAX_SIGNATURES", 1)
    first, beyond = verify(both, trust, allow_fetching=False)

    assert first.field_name == "Signature1" and first.intact
    assert beyond.field_name is None and beyond.problems == (Problem.UNREADABLE,)


def test_an_unsigned_pdf_has_no_reports(receipt, trust):
    assert verify(receipt, trust, allow_fetching=False) == []


# -- signing errors ----------------------------------------------------------------------------------------


def test_a_wrong_passphrase_is_refused_without_repeating_it(receipt, ca):
    signer = Pkcs12Signer(ca.seal.p12, lambda: b"sai-mat-khau")
    with pytest.raises(SigningError) as refused:
        signer.sign(receipt, stamp=StampText(signer="x", agency="y"), field_name="Signature1")
    assert "sai-mat-khau" not in str(refused.value)
    assert "passphrase" in str(refused.value)


def test_a_missing_key_file_is_refused(receipt):
    signer = Pkcs12Signer("/nonexistent/seal.p12", lambda: PASSPHRASE)
    with pytest.raises(SigningError, match="cannot be read"):
        signer.sign(receipt, stamp=StampText(signer="x", agency="y"), field_name="Signature1")


def test_signing_what_is_not_a_pdf_is_refused(ca):
    with pytest.raises(SigningError):
        sign(b"not a pdf", ca.seal)


def test_a_field_already_signed_is_refused(sealed, ca):
    with pytest.raises(SigningError):
        sign(sealed, ca.officer, field_name="Signature1")


def test_a_trust_list_that_is_not_certificates_is_refused():
    with pytest.raises(InvalidInput):
        TrustList.from_pem(b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")


# -- a province's set-up (signing.toml) ----------------------------------------------------------------------


def _province(ca, body: str, slug: str = "daklak") -> Config:
    keys = Path(tempfile.mkdtemp(prefix="motcua-signing-keys-"))
    folder = keys / slug
    folder.mkdir()
    shutil.copy(ca.seal.p12, folder / "seal.p12")
    (folder / "seal.passphrase").write_text(PASSPHRASE.decode() + "\n")
    (folder / "signing.toml").write_text(body)
    return load_config({}).with_overrides(signing_keys_dir=keys, signing_trust_list=ca.trust_list)


def test_a_province_seal_from_its_signing_toml(receipt, ca):
    config = _province(ca, '[seal]\ntype = "pkcs12"\nfile = "seal.p12"\npassphrase_file = "seal.passphrase"\n')
    signed = seal_signer(config, "daklak").sign(
        receipt, stamp=StampText(signer=AGENCY, agency=AGENCY), field_name="Seal"
    )
    report = only(verify_document(config, signed))

    assert report.good, report.reasons
    assert report.revocation_checked  # MOTCUA_SIGNING_FETCH_REVOCATION is on by default
    assert report.signer.fingerprint == ca.seal.asn1.sha256.hex()
    offline = only(verify_document(config.with_overrides(signing_fetch_revocation=False), signed))
    assert offline.good and not offline.revocation_checked


def test_the_passphrase_may_come_from_the_environment(receipt, ca, monkeypatch):
    config = _province(ca, '[seal]\ntype = "pkcs12"\nfile = "seal.p12"\npassphrase_env = "DAKLAK_SEAL"\n')
    signer = seal_signer(config, "daklak")
    stamp = StampText(signer=AGENCY, agency=AGENCY)

    with pytest.raises(SigningError, match="DAKLAK_SEAL"):  # read at signing, not when set up
        signer.sign(receipt, stamp=stamp, field_name="Seal")
    monkeypatch.setenv("DAKLAK_SEAL", PASSPHRASE.decode())
    assert only(verify(signer.sign(receipt, stamp=stamp, field_name="Seal"), trust_list(config))).intact


def test_a_province_timestamp_authority_overrides_the_platform_one(receipt, ca, ca_server):
    tsa_url = ca.serve_timestamps(ca_server, "/province-tsa")
    config = _province(
        ca,
        f'tsa_url = "{tsa_url}"\n[seal]\ntype = "pkcs12"\nfile = "seal.p12"\npassphrase_file = "seal.passphrase"\n',
    ).with_overrides(signing_tsa_url="http://127.0.0.1:9/unused")
    signed = seal_signer(config, "daklak").sign(
        receipt, stamp=StampText(signer=AGENCY, agency=AGENCY), field_name="Seal"
    )

    assert only(verify(signed, trust_list(config), allow_fetching=True)).timestamped


def test_a_province_may_embed_revocation_data_when_it_signs(receipt, ca):
    config = _province(
        ca,
        'embed_revocation = true\n[seal]\ntype = "pkcs12"\nfile = "seal.p12"\npassphrase_file = "seal.passphrase"\n',
    )
    signed = seal_signer(config, "daklak").sign(
        receipt, stamp=StampText(signer=AGENCY, agency=AGENCY), field_name="Seal"
    )
    report = only(verify(signed, trust_list(config), allow_fetching=False))

    assert report.good and report.revocation_checked, report.reasons  # offline, from what the file embeds


@pytest.mark.parametrize(
    "body, error",
    [
        ("", SigningNotConfigured),
        ("[seal]\ntype = 'pkcs12'\nfile = 'seal.p12'\n", SigningMisconfigured),  # no passphrase source
        ("[seal]\ntype = 'pkcs7'\n", SigningMisconfigured),
        ("[seal\n", SigningMisconfigured),
        (
            "tsa_url = 'ftp://x'\n[seal]\ntype = 'pkcs12'\nfile = 'seal.p12'\npassphrase_env = 'X'\n",
            SigningMisconfigured,
        ),
    ],
    ids=["no-seal", "no-passphrase", "unknown-type", "bad-toml", "bad-tsa"],
)
def test_a_wrong_signing_toml_is_refused_with_its_reason(ca, body, error):
    with pytest.raises(error):
        seal_signer(_province(ca, body), "daklak")


def test_a_province_without_a_set_up_is_not_configured(ca):
    config = _province(ca, "")
    for slug in ("hanoi", "../daklak"):
        with pytest.raises(SigningNotConfigured):
            seal_signer(config, slug)
    with pytest.raises(SigningNotConfigured):
        seal_signer(load_config({}), "daklak")


def test_without_a_trust_list_nothing_is_trusted(sealed):
    report = only(verify(sealed, trust_list(load_config({})), allow_fetching=False))
    assert report.problems == (Problem.UNTRUSTED,)


# -- a seal on a PKCS#11 token (SoftHSM2) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def softhsm(ca):
    """A SoftHSM2 token ``daklak`` holding the seal's key and certificate (label ``seal``), PIN 1234."""
    module = next((p for p in SOFTHSM_MODULES if Path(p).is_file()), None)
    if module is None or not shutil.which("softhsm2-util"):
        pytest.skip("SoftHSM2 is not installed (apt-get install -y softhsm2; infra/bin/test installs it)")
    pkcs11 = pytest.importorskip("pkcs11", reason="the pkcs11 extra is not installed")
    folder = Path(tempfile.mkdtemp(prefix="motcua-softhsm-"))
    (folder / "tokens").mkdir()
    (folder / "softhsm2.conf").write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\n")
    patch = pytest.MonkeyPatch()
    patch.setenv("SOFTHSM2_CONF", str(folder / "softhsm2.conf"))
    util = ["softhsm2-util"]
    subprocess.run(
        [*util, "--init-token", "--free", "--label", "daklak", "--pin", "1234", "--so-pin", "5678"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key = write_pem_key(ca.seal, folder / "seal.key.pem")
    subprocess.run(
        [*util, "--import", str(key), "--token", "daklak", "--label", "seal", "--id", "01", "--pin", "1234"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    key.unlink()  # from here on the key is on the token only
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11.lib(module).get_token(token_label="daklak")
    with token.open(rw=True, user_pin="1234") as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "seal",
                Attribute.ID: b"\x01",
                Attribute.VALUE: ca.seal.cert.public_bytes(Encoding.DER),
                Attribute.SUBJECT: ca.seal.cert.subject.public_bytes(),
                Attribute.ISSUER: ca.seal.cert.issuer.public_bytes(),
                Attribute.SERIAL_NUMBER: ca.seal.asn1["tbs_certificate"]["serial_number"].dump(),
            }
        )
    chain = folder / "issuing-ca.pem"
    chain.write_bytes(ca.intermediate.pem)
    yield module, chain
    patch.undo()


SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


def test_a_seal_on_a_pkcs11_token_signs_and_verifies(receipt, trust, ca, softhsm):
    module, chain = softhsm
    signer = Pkcs11Signer(module, token_label="daklak", key_label="seal", pin=lambda: "1234", chain=(chain,))
    signed = signer.sign(receipt, stamp=StampText(signer=AGENCY, agency=AGENCY), field_name="Seal")
    report = only(verify(signed, trust, allow_fetching=True))

    assert report.good, report.reasons
    assert report.signer.fingerprint == ca.seal.asn1.sha256.hex()
    assert "Signature is Valid." in pdfsig(signed)


def test_a_wrong_token_pin_is_refused(receipt, softhsm):
    module, chain = softhsm
    signer = Pkcs11Signer(module, token_label="daklak", key_label="seal", pin=lambda: "0000", chain=(chain,))
    with pytest.raises(SigningError) as refused:
        signer.sign(receipt, stamp=StampText(signer=AGENCY, agency=AGENCY), field_name="Seal")
    assert "0000" not in str(refused.value)


def test_a_pkcs11_seal_from_signing_toml(receipt, trust, ca, softhsm, monkeypatch):
    module, chain = softhsm
    config = _province(
        ca,
        f'[seal]\ntype = "pkcs11"\nmodule = "{module}"\ntoken_label = "daklak"\nkey_label = "seal"\n'
        f'pin_env = "DAKLAK_PIN"\nchain = ["{chain}"]\n',
    )
    monkeypatch.setenv("DAKLAK_PIN", "1234")
    signed = seal_signer(config, "daklak").sign(
        receipt, stamp=StampText(signer=AGENCY, agency=AGENCY), field_name="Seal"
    )
    assert only(verify(signed, trust, allow_fetching=True)).good
