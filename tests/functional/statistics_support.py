"""The hand-built March 2026 the statistics and indicator tests count (no public holiday in it): dossiers chosen
to hit every rule, moved through the real services with a fixed clock, with their documents. Office hours
07:00-11:30 and 13:30-17:00 (8 hours a working day); the marriage procedure takes 5 working days, due at
17:00 of the fifth working day after intake, and requires a paper result (Giấy chứng nhận kết hôn)."""

import datetime as dt
import io

import pytest
from dossier_support import SYSTEM, intake_in
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.extensions import services as extensions
from motcua_onestop.dossiers.extensions.services import ExtensionRequest
from motcua_platform.storage.local import LocalObjectStore
from motcua_platform.storage.services import TenantObjects
from motcua_platform.timezones import VIETNAM

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(month, day, hour, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture
def march(runtime, seeded, tmp_path):
    """The month's dossiers, by the letter the expectations use; committed to the test's savepoint."""
    units = seeded["alpha"].units
    tenant = seeded["alpha"].context
    made = {}
    objects = TenantObjects(LocalObjectStore(tmp_path), "alpha")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:

        def received(letter, when, channel="counter", unit=None):
            dossier = intake_in(session, seeded, channel, unit=unit, now=when)
            made[letter] = dossier
            return dossier

        def move(dossier, status, when, comment=None):
            services.transition(session, SYSTEM, dossier, status, dossier.version, comment, tenant=tenant, now=when)

        def finish(dossier, when, result=False):
            move(dossier, 4, dossier.received_at)
            if result:
                attach(dossier, "result", when)
            move(dossier, 9, when)

        def attach(dossier, kind, when, digitised=False):
            upload = documents.spool(io.BytesIO(PDF), 100_000)
            new = documents.NewDocument(kind, "a.pdf", "0" if kind == "component" else None, digitised)
            document, _created = documents.add_document(
                session, objects, SYSTEM, dossier, upload, new, tenant_slug="alpha", signatures=None, now=when
            )
            upload.close()
            return document

        # A: received in February, still open on 1 March (carried over); due Wed 4 March, finished that day
        a = received("A", at(2, 25, 9))
        assert a.due_at == at(3, 4, 17)
        finish(a, at(3, 4, 10), result=True)
        # B: due Mon 9 March, finished on the 5th: early; its papers scanned at the counter, its result a file
        b = received("B", at(3, 2, 9))
        assert b.due_at == at(3, 9, 17)
        attach(b, "component", at(3, 2, 9), digitised=True)
        finish(b, at(3, 5, 15), result=True)
        # C: submitted online on the 2nd with its papers as files, taken in on the 3rd (due Tue 10th),
        # finished on the 12th with its result a file: late
        c = received("C", at(3, 2, 9), channel="online")
        attach(c, "component", at(3, 2, 9))
        move(c, 2, at(3, 3, 8))
        assert c.due_at == at(3, 10, 17)
        finish(c, at(3, 12, 9), result=True)
        # D: by post, asked for a supplement twice after intake, finished before its due day: late all the same
        d = received("D", at(3, 2, 9), channel="postal")
        attach(d, "component", at(3, 2, 9))  # a file, not marked as a scan of the original: not digitised
        move(d, 4, at(3, 2, 10))
        move(d, 5, at(3, 3, 9), "Thiếu giấy tờ")
        move(d, 4, at(3, 4, 9))
        move(d, 5, at(3, 5, 9), "Thiếu giấy tờ lần hai")
        move(d, 4, at(3, 6, 8))
        move(d, 9, at(3, 6, 10))
        assert d.finished_at.astimezone(VIETNAM).date() < d.extended_due_at.astimezone(VIETNAM).date()
        # E: extended with an apology before its due day (Mon 16th) to Thu 19th, finished on the 18th: late
        # against the date it apologised for
        e = received("E", at(3, 9, 9))
        attach(e, "component", at(3, 9, 9), digitised=True)  # but finished without its result as a file
        assert e.due_at == at(3, 16, 17)
        move(e, 4, at(3, 9, 10))
        extensions.extend(
            session,
            SYSTEM,
            None,
            e,
            e.version,
            ExtensionRequest("Chờ xác minh", "Xin lỗi Ông/Bà", working_days=3),
            tenant=tenant,
            now=at(3, 13, 9),
        )
        assert e.extended_due_at == at(3, 19, 17)
        move(e, 9, at(3, 18, 9))
        # F: a supplement paused it Wed 11th 10:00 to Thu 12th 10:00 (8 office hours), so its due time moved
        # from Tue 17th to Wed 18th 17:00: finished on the 18th, on time (a pause is not an apology)
        f = received("F", at(3, 10, 9))
        assert f.due_at == at(3, 17, 17)
        move(f, 4, at(3, 10, 10))
        scan = attach(f, "component", at(3, 10, 10))
        move(f, 5, at(3, 11, 10), "Thiếu giấy tờ")
        move(f, 4, at(3, 12, 10))
        documents.mark_digitised(session, SYSTEM, f, scan.id, at(3, 12, 11))  # the original seen afterwards
        assert f.extended_due_at == at(3, 18, 17)
        attach(f, "result", at(3, 18, 11))
        move(f, 9, at(3, 18, 12))
        # G: withdrawn on the 5th, then stopped: counted once, as withdrawn
        g = received("G", at(3, 3, 9))
        move(g, 4, at(3, 3, 10))
        move(g, 7, at(3, 5, 9))
        move(g, 8, at(3, 6, 9), "Công dân rút hồ sơ")
        # H: processing stopped on the 10th
        h = received("H", at(3, 4, 9))
        move(h, 4, at(3, 4, 10))
        move(h, 8, at(3, 10, 9), "Không đủ điều kiện")
        # I: submitted online on the 5th and refused at intake on the 6th (never received)
        i = received("I", at(3, 5, 9), channel="online")
        move(i, 3, at(3, 6, 9), "Sai thủ tục")
        # J: received Mon 30th, due Mon 6 April: pending within its due date when March ends
        j = received("J", at(3, 30, 9))
        assert j.due_at == at(4, 6, 17)
        attach(j, "component", at(3, 30, 9), digitised=True)
        # K: received Mon 16th, due Mon 23rd, still in processing: pending past its due date
        k = received("K", at(3, 16, 9))
        move(k, 4, at(3, 16, 10))
        # P: received Mon 16th (due Mon 23rd), asked for a supplement on Fri 20th, still waiting when March
        # ends: a single supplement asked before the due date counts as the end of processing, within due
        p = received("P", at(3, 16, 9))
        move(p, 4, at(3, 16, 10))
        move(p, 5, at(3, 20, 9), "Thiếu giấy tờ")
        # Q: the same, but the supplement was asked on Tue 24th, after its due date: past due
        q = received("Q", at(3, 16, 9))
        move(q, 4, at(3, 16, 10))
        move(q, 5, at(3, 24, 9), "Thiếu giấy tờ")
        # L: received and finished in February: not March's
        finish(received("L", at(2, 25, 9)), at(2, 27, 9))
        # M: received in April: not March's
        received("M", at(4, 1, 9))
        # N: another commune, finished early
        finish(received("N", at(3, 2, 9), unit=units["commune_b"]), at(3, 3, 9))
        # O: submitted online in March, not yet taken in: not received
        received("O", at(3, 20, 9), channel="online")
        session.commit()
    return made
