"""The non-table parts of the standard workbook: agency details, work
indicators and narrative parts. Like the tables, described once as data.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetaField:
    key: str
    label: str
    help: str
    required: bool = False
    kind: str = "text"           # text | int | date | choice | emails | digits (a text cell: 邮编, 电话)
    choices: tuple[str, ...] = ()
    min_len: int = 0             # digits: the length the workbook's validation accepts
    max_len: int = 0


AGENCY_KINDS = ("部门", "人民政府")
AGENCY_LEVELS = ("国务院部门", "省级", "设区的市级", "县级", "乡镇级")

META_FIELDS = (
    MetaField("agency", "机关全称", "报告标题中使用的全称，如“淄博市人民政府外事办公室”", True),
    MetaField("short_name", "机关简称", "正文中的简称，如“市外办”（可空）"),
    MetaField("agency_kind", "机关类型", "部门：1月31日前公布；人民政府：3月31日前公布", False,
              "choice", AGENCY_KINDS),
    MetaField("level", "行政层级", "用于判断是否可能制发规章（规则 B3）", False, "choice", AGENCY_LEVELS),
    MetaField("year", "报告年度", "统计期限为该年1月1日至12月31日，如 2024", True, "int"),
    MetaField("contact_office", "联系机构", "“如有疑问请与……联系”中的机构，空则用机关全称"),
    MetaField("address", "地址", "联系地址"),
    MetaField("postcode", "邮编", "6位邮政编码，如 010010", kind="digits", min_len=6, max_len=6),
    MetaField("phone", "电话", "联系电话，区号带开头的 0，如 0533-2771826", kind="digits", min_len=7, max_len=40),
    MetaField("fax", "传真", "传真号码，区号带开头的 0（可空）", kind="digits", min_len=7, max_len=40),
    MetaField("email", "电子邮箱", "联系邮箱"),
    MetaField("website", "门户网站", "机关门户网站地址（可空）"),
    MetaField("publish_date", "计划发布日期", "如 2025-01-20；部门须在1月31日前公布", False, "date"),
    MetaField("deadline_override", "本地公布时限", "本地要求早于法定时限时填写，如“1月28日”（规则 G4）；空则按条例",
              False, "monthday"),
    MetaField("signoff_to", "签发人邮箱", "送审稿发送给谁签发，多个用分号隔开", False, "emails"),
)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    help: str = ""


STANDARD_INDICATORS = (
    Indicator("portal_posts", "门户网站发布信息", "条"),
    Indicator("new_media_posts", "政务新媒体发布信息", "条"),
    Indicator("new_media_followers", "新媒体关注人数", "人"),
    Indicator("policy_interpretations", "政策解读", "篇"),
    Indicator("press_conferences", "新闻发布会", "场"),
    Indicator("site_visits", "网站访问量", "人次"),
    Indicator("column_updates", "信息公开专栏更新", "条"),
    Indicator("trainings", "业务培训", "次"),
    Indicator("npc_suggestions", "人大代表建议办理", "件"),
    Indicator("cppcc_proposals", "政协提案办理", "件"),
    Indicator("fee_notices", "信息处理费收费通知", "件", "本年发出的信息处理费收费通知数（规则 C6）"),
    Indicator("fee_collected_yuan", "信息处理费实收金额", "元", "本年实际收取的信息处理费（规则 F5）"),
)

#: How many blank rows the workbook offers for an agency's own indicators.
CUSTOM_INDICATOR_SLOTS = 10


@dataclass(frozen=True)
class NarrativePart:
    key: str
    section: str                 # 一 … 六
    label: str                   # what the workbook row says
    default_title: str = ""      # the （一）… sub-heading when staff leave it blank
    number: str = ""             # （一） …


NARRATIVE_PARTS = (
    NarrativePart("overview", "一", "总体情况·开篇段落"),
    NarrativePart("active", "一", "（一）主动公开", "主动公开情况", "（一）"),
    NarrativePart("requests", "一", "（二）依申请公开", "依申请公开情况", "（二）"),
    NarrativePart("management", "一", "（三）政府信息管理", "政府信息管理情况", "（三）"),
    NarrativePart("platforms", "一", "（四）平台建设", "政府信息公开平台建设情况", "（四）"),
    NarrativePart("oversight", "一", "（五）监督保障", "监督保障情况", "（五）"),
    NarrativePart("problems", "五", "五、存在的主要问题及改进情况"),
    NarrativePart("other_matters", "六", "六、其他需要报告的事项"),
)
