"""PDF signatures (PAdES) for what the platform issues, and their verification: the kernel's engine, knowing
no product (nothing here about dossiers, invoices or workflow steps). ADR 0061, docs/signatures.md.

* ``signer``: the ``Signer`` protocol a workflow step, a page or a job signs through, the stamp text, and
  ``PadesSigner``, which turns any pyHanko CMS signer into one (the extension point for remote signing).
* ``pkcs12`` and ``pkcs11``: the signers backed by a PKCS#12 file or a PKCS#11 token (an HSM, SoftHSM2).
* ``stamp``: the visible stamp, in Vietnamese, with the font the platform's PDFs use.
* ``trust``: the trust list (root and intermediate certificates a deployment accepts).
* ``verify``: a report per signature in a PDF; never raises on a hostile or broken file.
* ``settings``: a province's signing set-up (which key backs its seal, its timestamp authority).

No Flask here.
"""
