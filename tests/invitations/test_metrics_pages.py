"""The invitation metrics page on the dashboard (INV-9): grouping tabs, drill-down, zero figures
empty, the entries behind a row, XLSX exports (the one with customers audited, mobiles masked),
per role, in the Chinese the user reads."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from customers.models import AuditLog
from invitations import metrics, metrics_views

from .metrics_world import NOVEMBER, build_world
from .test_metrics import grow

pytestmark = pytest.mark.django_db

PAGE = reverse("invitations:metrics")
DETAILS = reverse("invitations:metrics_details")


@pytest.fixture
def world(org):
    return build_world(org)


def page(client, org, role, url=PAGE, **params):
    client.force_login(org.user(role))
    response = client.get(url, {**NOVEMBER, **params})
    return response, response.content.decode()


def row_of(html: str, name: str) -> str:
    """The table row whose first cell links ``name``."""
    match = re.search(r"<tr>\s*<td class=\"name\"><a [^>]*>" + re.escape(name) + r"</a>.*?</tr>", html, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


def table_of(html: str) -> str:
    return html[html.index("<table"):html.index("</table>")]


def test_head_office_sees_regions_with_totals(client, org, world):
    response, html = page(client, org, "hq")
    assert response.status_code == 200
    for tab in ("按区域", "按门店", "按导购", "按任务"):
        assert tab in html
    for header in ("下发客户数", "已邀约", "有到店意向", "待反馈", "建联失败", "支付客户数", "支付金额",
                   "邀约组支付率", "对照组支付率", "提升"):
        assert header in html
    assert "华东区" in row_of(html, "华东区") and "¥5,000.00" in row_of(html, "华北区")
    assert "¥3,900.50" in row_of(html, "华东区")
    assert re.search(r"合计</td>.*¥8,900.50", html, re.S)


def test_a_region_drills_down_to_its_stores_then_assistants_then_tasks(client, org, world):
    _, html = page(client, org, "hq")
    link = re.search(r'<a href="([^"]+)">华东区</a>', html).group(1).replace("&amp;", "&")
    assert "by=store" in link and f"region={org.region_a.pk}" in link
    client.force_login(org.hq.user)
    stores = client.get(PAGE + link).content.decode()
    assert "徐汇店" in table_of(stores) and "杭州店" in table_of(stores) and "北京店" not in table_of(stores)
    assert "› <a" in stores and ">华东区</a>" in stores  # the crumb back up
    link = re.search(r'<a href="([^"]+)">徐汇店</a>', stores).group(1).replace("&amp;", "&")
    assistants = client.get(PAGE + link).content.decode()
    assert org.assistant.name in assistants and org.other_store_assistant.name not in assistants
    link = re.search(r'<a href="([^"]+)">' + org.assistant.name + "</a>", assistants).group(1).replace("&amp;", "&")
    tasks = client.get(PAGE + link).content.decode()
    assert reverse("invitations:task", args=[world.tasks[1].pk]) in tasks  # a task opens its detail page
    assert "A2 储值客户" not in tasks


def test_zero_figures_are_empty(client, org, world):
    _, html = page(client, org, "manager", by="task")
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row_of(html, "A1 老客回店"))
    # customers 2, invited 1, with intent 1, without 0, awaiting 1, failed 0, paying 1, ¥400, 1 order,
    # and no control group to compare with
    assert cells == ["2", "1", "1", "", "1", "", "1", "¥400.00", "1", "", "", ""]
    first = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row_of(html, "A1 生日邀约"))
    assert first[-3:] == ["60.0%", "33.3%", "+26.7 pp"]


@pytest.mark.parametrize("role, seen, unseen", [
    ("supervisor", ["徐汇店", "杭州店"], ["北京店"]),
    ("manager", ["徐汇店"], ["杭州店", "北京店"]),
])
def test_rows_stay_in_the_scope(client, org, world, role, seen, unseen):
    response, html = page(client, org, role, by="store")
    assert response.status_code == 200
    assert "按区域" not in html  # regions are head office's tab
    for name in seen:
        assert name in html
    for name in unseen:
        assert name not in html


def test_manager_lands_on_assistants_and_cannot_ask_for_another_store(client, org, world):
    _, html = page(client, org, "manager")
    assert org.assistant.name in html and org.colleague.name in html and world.north.name not in html
    response, html = page(client, org, "manager", store=org.store_b1.pk)
    assert response.status_code == 400 and "北京店" not in html and "B1 店庆" not in html


def test_assistants_have_no_dashboard(client, org, world):
    for url in (PAGE, DETAILS, reverse("invitations:metrics_export"), reverse("invitations:metrics_details_export")):
        response, _ = page(client, org, "assistant", url=url)
        assert response.status_code == 302 and response.url == reverse("workbench:home")


def test_htmx_gets_the_table_alone(client, org, world):
    client.force_login(org.manager.user)
    html = client.get(PAGE, {**NOVEMBER, "by": "store"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "徐汇店" in html and "合计" in html


def test_the_invitation_pages_link_to_the_metrics(client, org, world):
    client.force_login(org.manager.user)
    for url in (reverse("invitations:tasks"), reverse("invitations:segments")):
        html = client.get(url).content.decode()
        assert f'href="{PAGE}"' in html and "邀约数据" in html


def test_the_period_defaults_to_the_last_30_days(client, org, world):
    client.force_login(org.hq.user)
    html = client.get(PAGE).content.decode()
    assert re.search(r'name="from" value="\d{4}-\d{2}-\d{2}"', html)


# --- The entries behind a row -----------------------------------------------------------------

def test_details_show_the_entries_with_masked_mobiles(client, org, world):
    response, html = page(client, org, "manager", url=DETAILS, task=world.tasks[1].pk)
    assert response.status_code == 200
    for header in ("联系结果", "到店意向", "反馈时间", "7天内支付金额"):
        assert header in html
    first = world.entries[1].customer
    assert first.masked_mobile in html and first.mobile not in html
    assert "¥1,500.50" in html and "对照组（不联系）" in html and "有到店意向" in html
    assert world.entries[9].customer.name not in html  # t2's entry is not behind t1's row


def test_details_page_by_keyset(client, org, world, monkeypatch):
    monkeypatch.setattr(metrics, "DETAILS_PAGE", 3)
    _, html = page(client, org, "manager", url=DETAILS, task=world.tasks[1].pk)
    names = set(re.findall(r"客户\d+", html))
    assert len(names) == 3
    following = re.search(r'<a href="([^"]+)">下一页</a>', html).group(1).replace("&amp;", "&")
    assert "after=" in following
    client.force_login(org.manager.user)
    second = client.get(DETAILS + following).content.decode()
    more = set(re.findall(r"客户\d+", second))
    assert len(more) == 3 and not names & more and "第一页" in second


def test_details_of_another_store_show_nothing(client, org, world):
    response, html = page(client, org, "supervisor", url=DETAILS, store=org.store_b1.pk)
    assert response.status_code == 400 and world.entries[11].customer.name not in html
    _, html = page(client, org, "manager", url=DETAILS, task=world.tasks[4].pk)
    assert world.entries[11].customer.name not in html and "没有符合条件的明细" in html


# --- XLSX -------------------------------------------------------------------------------------

def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


def test_export_of_the_view_has_the_figures_as_numbers(client, org, world):
    client.force_login(org.supervisor.user)
    sheet = workbook(client.get(reverse("invitations:metrics_export"), {**NOVEMBER, "by": "store"}))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("门店", "下发客户数", "已邀约") and "支付金额" in rows[0]
    amount = rows[0].index("支付金额")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"徐汇店", "杭州店", "合计"}
    assert by_name["徐汇店"][1] == 7 and by_name["徐汇店"][amount] == pytest.approx(1900.50)
    assert by_name["合计"][amount] == pytest.approx(3900.50)
    assert by_name["徐汇店"][rows[0].index("提升")] == pytest.approx(0.2667)
    money = next(cell for cell in sheet[2] if cell.column == amount + 1)
    assert "¥" in money.number_format
    assert AuditLog.objects.count() == 0  # figures only, no customer data


def test_export_of_the_details_is_audited_and_masked(client, org, world):
    client.force_login(org.manager.user)
    response = client.get(reverse("invitations:metrics_details_export"), {**NOVEMBER, "store": org.store_a1.pk})
    rows = list(workbook(response).iter_rows(values_only=True))
    assert rows[0][:2] == ("客户", "手机号") and "7天内支付金额" in rows[0]
    assert len(rows) - 1 == 10  # t1's 8 and t2's 2 entries
    text = repr(rows)
    assert world.entries[1].customer.masked_mobile in text and world.entries[1].customer.mobile not in text
    paid = {row[0]: row[rows[0].index("7天内支付金额")] for row in rows[1:]}
    assert paid[world.entries[1].customer.name] == pytest.approx(1500.50)
    entry = AuditLog.objects.get()
    assert (entry.action, entry.rows, entry.actor) == (AuditLog.Action.EXPORT, 10, org.manager.user)
    assert entry.detail["kind"] == "invitation_entries" and entry.detail["filters"]["store"] == str(org.store_a1.pk)


def test_too_large_a_details_export_is_refused(client, org, world, monkeypatch):
    monkeypatch.setattr(metrics_views, "DETAILS_EXPORT_MAX", 2)
    client.force_login(org.manager.user)
    response = client.get(reverse("invitations:metrics_details_export"), NOVEMBER, follow=True)
    assert "超过单次导出上限" in response.content.decode()
    assert not AuditLog.objects.exists()


# --- Query counts -----------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["region", "task"])
def test_the_page_costs_the_same_queries_whatever_the_size(client, org, world, by, django_assert_max_num_queries):
    client.force_login(org.hq.user)
    with django_assert_max_num_queries(12):
        assert client.get(PAGE, {**NOVEMBER, "by": by}).status_code == 200
    grow(org, world, 12)
    with django_assert_max_num_queries(12):
        assert client.get(PAGE, {**NOVEMBER, "by": by}).status_code == 200


def test_details_cost_the_same_queries_whatever_the_size(client, org, world, django_assert_max_num_queries):
    client.force_login(org.hq.user)
    with django_assert_max_num_queries(6):
        client.get(DETAILS, NOVEMBER)
    grow(org, world, 12)
    with django_assert_max_num_queries(6):
        client.get(DETAILS, NOVEMBER)
