"""The 2021 national format (国办公开办函〔2021〕30号), described once.

Labels are verbatim from the official tables (see shared/domain/report-format.md
§1.3–1.6); keys follow the report JSON (report-json.md). The template, reader,
checker, renderers and importer all read this module.
"""
from __future__ import annotations

from dataclasses import replace

from .spec import COUNT, MONEY, Block, Column, Format, Group, Row, Section, derive_cells

SECTIONS = (
    Section("一", "一、总体情况"),
    Section("二", "二、主动公开政府信息情况"),
    Section("三", "三、收到和处理政府信息公开申请情况"),
    Section("四", "四、政府信息公开行政复议、行政诉讼情况",
            ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
             "四、因政府信息公开工作被申请行政复议提起行政诉讼情况",
             "四、政府信息公开行政复议和行政诉讼情况")),
    Section("五", "五、存在的主要问题及改进情况",
            ("五、政府信息公开工作存在的主要问题及改进情况", "五、存在问题及改进情况",
             "五、存在的主要问题及整改措施", "五、存在的主要问题和改进措施",
             "五、存在的主要问题及改进措施", "五、存在的主要问题和改进情况")),
    Section("六", "六、其他需要报告的事项"),
)

_DOC_COLS = (Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"),
             Column("in_force", "现行有效件数"))
_DECISIONS = (Column("value", "本年处理决定数量"),)

ACTIVE_BLOCKS = (
    Block("第二十条第（一）项", ("信息内容",) + tuple(c.label for c in _DOC_COLS),
          (Row("regulations", ("规章",)),
           Row("normative_documents", ("行政规范性文件",), aliases=("规范性文件",))),
          _DOC_COLS),
    Block("第二十条第（五）项", ("信息内容", "本年处理决定数量"),
          (Row("licensing_decisions", ("行政许可",)),), _DECISIONS),
    Block("第二十条第（六）项", ("信息内容", "本年处理决定数量"),
          (Row("penalty_decisions", ("行政处罚",)), Row("coercion_decisions", ("行政强制",))),
          _DECISIONS),
    Block("第二十条第（八）项", ("信息内容", "本年收费金额（单位：万元）"),
          (Row("fees_wan_yuan", ("行政事业性收费",)),),
          (Column("value", "本年收费金额（单位：万元）"),), MONEY),
)

_ORG = "法人或其他组织"
REQUEST_COLUMNS = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业", _ORG),
    Column("research", "科研机构", _ORG),
    Column("public_interest", "社会公益组织", _ORG),
    Column("legal_services", "法律服务机构", _ORG),
    Column("other_org", "其他", _ORG),
    Column("total", "总计"),
)

_R = "三、本年度办理结果"
REQUEST_GROUPS = (
    Group("disclosed", "（一）予以公开"),
    Group("partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    Group("withheld", "（三）不予公开"),
    Group("unavailable", "（四）无法提供"),
    Group("rejected", "（五）不予处理"),
    Group("other", "（六）其他处理"),
    Group("total_processed", "（七）总计"),
)


def _g(key: str) -> str:
    return next(g.label for g in REQUEST_GROUPS if g.key == key)


REQUEST_ROWS = (
    Row("new_received", ("一、本年新收政府信息公开申请数量", "", "")),
    Row("carried_over", ("二、上年结转政府信息公开申请数量", "", "")),
    Row("disclosed", (_R, _g("disclosed"), ""), group="disclosed"),
    Row("partially_disclosed", (_R, _g("partially_disclosed"), ""), group="partially_disclosed"),
    Row("withheld_state_secret", (_R, _g("withheld"), "1.属于国家秘密"), group="withheld"),
    Row("withheld_prohibited_by_law", (_R, _g("withheld"), "2.其他法律行政法规禁止公开"),
        aliases=("2.其他法律行政止公开",), group="withheld"),
    Row("withheld_security_stability", (_R, _g("withheld"), "3.危及“三安全一稳定”"), group="withheld"),
    Row("withheld_third_party", (_R, _g("withheld"), "4.保护第三方合法权益"), group="withheld"),
    Row("withheld_internal_affairs", (_R, _g("withheld"), "5.属于三类内部事务信息"), group="withheld"),
    Row("withheld_process_info", (_R, _g("withheld"), "6.属于四类过程性信息"), group="withheld"),
    Row("withheld_enforcement_file", (_R, _g("withheld"), "7.属于行政执法案卷"), group="withheld"),
    Row("withheld_admin_query", (_R, _g("withheld"), "8.属于行政查询事项"), group="withheld"),
    Row("unavailable_not_held", (_R, _g("unavailable"), "1.本机关不掌握相关政府信息"), group="unavailable"),
    Row("unavailable_needs_creation", (_R, _g("unavailable"), "2.没有现成信息需要另行制作"), group="unavailable"),
    Row("unavailable_still_unclear", (_R, _g("unavailable"), "3.补正后申请内容仍不明确"), group="unavailable"),
    Row("rejected_petition", (_R, _g("rejected"), "1.信访举报投诉类申请"), group="rejected"),
    Row("rejected_repeat", (_R, _g("rejected"), "2.重复申请"), group="rejected"),
    Row("rejected_publication", (_R, _g("rejected"), "3.要求提供公开出版物"), group="rejected"),
    Row("rejected_excessive", (_R, _g("rejected"), "4.无正当理由大量反复申请"), group="rejected"),
    Row("rejected_confirm_reissue", (_R, _g("rejected"), "5.要求行政机关确认或重新出具已获取信息"), group="rejected"),
    Row("other_no_correction", (_R, _g("other"),
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"), group="other"),
    Row("other_fee_unpaid", (_R, _g("other"),
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"), group="other"),
    Row("other_other", (_R, _g("other"), "3.其他"), group="other"),
    Row("total_processed", (_R, _g("total_processed"), ""), group="total_processed"),
    Row("carried_forward", ("四、结转下年度继续办理", "", "")),
)

#: The result rows that （七）总计 adds up (rule C2).
RESULT_ROWS = tuple(r.key for r in REQUEST_ROWS if r.group and r.group != "total_processed")

#: Row key used when a published report prints （六）其他处理 as one row.
OTHER_COMBINED = "_other_combined"

APPEAL_GROUPS = (
    Group("review", "行政复议"),
    Group("litigation_direct", "未经复议直接起诉", "行政诉讼"),
    Group("litigation_after_review", "复议后起诉", "行政诉讼"),
)
APPEAL_OUTCOMES = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)

GOV_2021 = Format(
    key="gov-2021",
    title="中华人民共和国政府信息公开工作年度报告格式",
    issued_by="国办公开办函〔2021〕30号",
    sections=SECTIONS,
    active_blocks=ACTIVE_BLOCKS,
    request_columns=REQUEST_COLUMNS,
    request_rows=REQUEST_ROWS,
    request_groups=REQUEST_GROUPS,
    request_note="（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    applicant_header="申请人情况",
    appeal_groups=APPEAL_GROUPS,
    appeal_outcomes=APPEAL_OUTCOMES,
    appeal_headers=("行政复议", "行政诉讼"),
)
GOV_2021 = replace(GOV_2021, cells=derive_cells(GOV_2021))

__all__ = ["GOV_2021", "RESULT_ROWS", "OTHER_COMBINED", "COUNT", "MONEY"]
