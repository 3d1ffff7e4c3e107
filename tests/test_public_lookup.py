"""What the public lookup and the live check say of a name: a confusable name is not available
and says why, a name with diacritics gets its unaccented form suggested; and the holder sees the
day renewal opens."""

from sqlalchemy import select

from brandname import lifecycle
from brandname.rules import dates, names
from brandname.store.models import Brandname


def test_a_name_confusable_with_a_registered_one_is_not_available_and_says_why(
    portal, session, registry_helper
):
    registry_helper.issue("SAOMAI")
    page = portal.anon.get("/lookup?q=SA0MAI").data.decode()
    assert "SA0MAI không thể đăng ký." in page and "dễ nhầm lẫn với tên đã đăng ký SAOMAI" in page
    assert "có thể được đăng ký" not in page
    answer = portal.anon.get("/api/v1/availability?name=SA0MAI").get_json()
    assert answer["available"] is True and answer["registrable"] is False
    assert "SAOMAI" in answer["reason"] and "SAOMAI" in answer["reason_en"]
    free = portal.anon.get("/lookup?q=HOABINH").data.decode()
    assert "HOABINH chưa có trong sổ đăng ký và có thể được đăng ký." in free
    assert portal.anon.get("/api/v1/availability?name=HOABINH").get_json()["registrable"] is True
    # beside partial matches a free name gets no verdict (noise), a refused one still does
    registry_helper.issue("HOABINHXANH")
    assert 'id="lookup-verdict"' not in portal.anon.get("/lookup?q=HOABINH").data.decode()
    # a registered name typed in full shows its row, not a verdict
    held = portal.anon.get("/lookup?q=saomai").data.decode()
    assert 'id="lookup-verdict"' not in held and "SAOMAI" in held


def test_a_name_with_diacritics_gets_its_unaccented_form_suggested(portal):
    assert names.unaccented("CÀ PHÊ") == "CA PHE"
    assert names.unaccented("Đà Lạt") == "Da Lat"
    assert names.unaccented("CAPHE") is None  # nothing to suggest
    assert names.unaccented("CÀ PHÊ SỮA NÓNG") is None  # still invalid without diacritics (too long)
    answer = portal.anon.get("/api/v1/availability?name=C%C3%80%20PH%C3%8A").get_json()
    assert answer["valid"] is False and answer["suggestion"] == "CA PHE"
    page = portal.anon.get("/lookup?q=C%C3%80%20PH%C3%8A").data.decode()
    assert "Gợi ý dạng không dấu:" in page and ">CA PHE</a>" in page
    script = portal.anon.get("/static/apply.js").data.decode()
    assert "data.suggestion" in script


def test_too_early_to_renew_shows_the_day_renewal_opens(portal, session, registry_helper):
    from brandname.store.models import Application

    application_id = portal.application_id(portal.apply(portal.a, "ANHDUONG"))
    registry_helper.approve(session.get(Application, application_id))
    registry_helper.pay_and_issue(session.get(Application, application_id))
    bn = session.scalars(select(Brandname)).one()
    opens = dates.renewal_opens(bn.valid_until, lifecycle.DEFAULT_RULES.renewal_window_days)
    page = portal.a.get(f"/applicant/names/{bn.id}").data.decode()
    assert f"có thể nộp đề nghị gia hạn từ ngày {opens:%d/%m/%Y}" in page


def test_stacked_tables_carry_their_column_labels(portal, session, registry_helper):
    registry_helper.issue("SUNMART")
    page = portal.anon.get("/lookup?q=SUN").data.decode()
    assert 'data-label="Tên định danh"' in page and 'data-label="Trạng thái"' in page
    css = portal.anon.get("/static/site.css").data.decode()
    assert "td[data-label]::before" in css and "attr(data-label)" in css
