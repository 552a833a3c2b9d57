"""Phrasings of the figures real reports state in their narrative, with what each sentence says.

Each entry: (text, ((topic, value), ...)). ``topic`` is the narrative extractor's name for
what the figure counts (check/narrative.py); an empty tuple means "no table figure here"
(the sentence must not be read as one). Written in the styles of published reports
(/work/shared/samples/): with and without "申请", Arabic and Chinese numerals, figures in
the sentence after the one naming the applications, combined groups and figures, percentages.
The demo tables these are checked against: 一 70, 二 4, 三（七） 69, 四 5; 予以公开 29,
部分公开 12, 不予公开 11, 无法提供 13, 不予处理 3, 其他处理 1; 复议 6, 诉讼 4.
"""
from __future__ import annotations

CORPUS: tuple[tuple[str, tuple[tuple[str, int | float], ...]], ...] = (
    # --- new applications (F1) ---------------------------------------------------------
    ("本年新收73件。", (("req.new", 73),)),
    ("本年度新收政府信息公开申请70件。", (("req.new", 70),)),
    ("全年共收到政府信息公开申请71件。", (("req.new", 71),)),
    ("2024年，本机关共受理政府信息公开申请七十件。", (("req.new", 70),)),
    ("共接收依申请公开申请72件，同比增长12.5%。", (("req.new", 72),)),
    ("本年度共收到申请74件（含上年结转4件）。", (("req.new", 74), ("req.carried_over", 4))),
    ("全年受理政府信息公开申请74件，其中本年新收73件，上年结转4件。",
     (("req.new", 74), ("req.new", 73), ("req.carried_over", 4))),
    ("全年受理信息公开申请74件，其中本年新收70件。", (("req.new", 74), ("req.new", 70))),
    ("新收申请六十九件。", (("req.new", 69),)),
    ("本机关全年新收各类政府信息公开申请共计70件，较上年有所增加。", (("req.new", 70),)),
    ("我局2024年度收到公民、法人或其他组织提出的政府信息公开申请75件。", (("req.new", 75),)),
    ("共登记政府信息公开申请1,070件。", (("req.new", 1070),)),
    ("本年新收政府信息公开申请７０件。", (("req.new", 70),)),
    ("本年度新收申请70件，比上年增加12件。", (("req.new", 70), ("delta", 12))),
    # --- carried over / carried forward (F2) ----------------------------------------------
    ("上年结转申请4件。", (("req.carried_over", 4),)),
    ("另有上年结转的申请6件。", (("req.carried_over", 6),)),
    ("上年度结转三件。", (("req.carried_over", 3),)),
    ("结转下年度继续办理8件。", (("req.carried_forward", 8),)),
    ("结转下年度继续办理5件。", (("req.carried_forward", 5),)),
    ("另有7件申请因尚在答复期内，结转至下一年度办理。", (("req.carried_forward", 7),)),
    ("结转到下一年度的申请共6件。", (("req.carried_forward", 6),)),
    ("截至12月31日，仍有五件申请结转下年度办理。", (("req.carried_forward", 5),)),
    # --- processed (F2) --------------------------------------------------------------------
    ("办结72件。", (("req.answered", 72),)),
    ("办理结果总计72件。", (("req.answered", 72),)),
    ("办结69件。", (("req.answered", 69),)),
    ("全年共办结政府信息公开申请68件。", (("req.answered", 68),)),
    ("对申请均已按时答复，共答复七十一件。", (("req.answered", 71),)),
    ("本年度办理完毕69件申请。", (("req.answered", 69),)),
    ("依法按时办结申请70件，办结率100%。", (("req.answered", 70),)),
    ("全年共收到申请70件。已办结69件，结转下年度5件。",
     (("req.new", 70), ("req.answered", 69), ("req.carried_forward", 5))),
    # --- outcomes (F3), in the same sentence or the next ---------------------------------
    ("本年新收申请70件，其中予以公开29件、部分公开12件、不予公开11件。",
     (("req.new", 70), ("req.group.disclosed", 29), ("req.group.partially_disclosed", 12),
      ("req.group.withheld", 11))),
    ("共受理申请70件。其中予以公开、部分公开共41件。",
     (("req.new", 70), ("req.group.disclosed+partially_disclosed", 41))),
    ("本年共受理申请70件，其中予以公开30件。", (("req.new", 70), ("req.group.disclosed", 30))),
    ("本年共受理申请70件。予以公开29件，部分公开13件。",
     (("req.new", 70), ("req.group.disclosed", 29), ("req.group.partially_disclosed", 13))),
    ("共受理政府信息公开申请859件。予以公开及部分公开258件；因本机关不掌握等原因无法提供265件。",
     (("req.new", 859), ("req.group.disclosed+partially_disclosed", 258), ("req.group.unavailable", 265))),
    ("共受理申请70件。予以公开及部分公开41件，无法提供13件。",
     (("req.new", 70), ("req.group.disclosed+partially_disclosed", 41), ("req.group.unavailable", 13))),
    ("办理结果中，不予处理3件，其他处理2件。",
     (("req.group.rejected", 3), ("req.group.other", 2))),
    ("申请办理结果：无法提供十四件。", (("req.group.unavailable", 14),)),
    ("因信息不存在而无法提供的12件。", (("req.group.unavailable", 12),)),
    ("收到申请70件，同意公开29件，部分公开12件，不予公开10件。",
     (("req.new", 70), ("req.group.disclosed", 29), ("req.group.partially_disclosed", 12),
      ("req.group.withheld", 10))),
    ("在办结的申请中，予以公开的占42.03%。", (("req.pct.disclosed", 42.03),)),
    ("申请办结后予以公开的比例为50%。", (("req.pct.disclosed", 50),)),
    ("其中，部分公开的申请占17.39%。", (("req.pct.partially_disclosed", 17.39),)),
    # --- reviews and lawsuits (D2) -------------------------------------------------------------
    ("因政府信息公开被申请行政复议6件。", (("appeal.review", 6),)),
    ("被申请行政复议7件。", (("appeal.review", 7),)),
    ("被提起行政诉讼4件。", (("appeal.litigation", 4),)),
    ("发生政府信息公开行政诉讼五件。", (("appeal.litigation", 5),)),
    ("行政复议和行政诉讼案件11件。", (("appeal.both", 11),)),
    ("行政复议和行政诉讼案件10件。", (("appeal.both", 10),)),
    ("全年发生政府信息公开行政复议、行政诉讼案件共12件。", (("appeal.both", 12),)),
    ("未经复议直接起诉3件。", (("appeal.litigation_direct", 3),)),
    ("行政复议6件，其中维持5件、纠正1件。",
     (("appeal.review", 6), ("appeal.outcome.upheld.review", 5), ("appeal.outcome.corrected.review", 1))),
    ("行政复议结果维持四件。", (("appeal.outcome.upheld.review", 4),)),
    # --- more mixed sentences in the style of published reports ----------------------------
    ("本机关2024年度共新收政府信息公开申请70件，上年结转政府信息公开申请4件。",
     (("req.new", 70), ("req.carried_over", 4))),
    ("当年共办结政府信息公开申请69件，其中予以公开29件，部分公开12件。",
     (("req.answered", 69), ("req.group.disclosed", 29), ("req.group.partially_disclosed", 12))),
    ("因政府信息公开工作被申请行政复议6件、被提起行政诉讼4件。",
     (("appeal.review", 6), ("appeal.litigation", 4))),
    ("复议后起诉2件。", (("appeal.litigation_after_review", 2),)),
    ("不予处理三件。", (("req.group.rejected", 3),)),
    ("本年度收到的申请中，不予公开11件。", (("req.group.withheld", 11),)),
    ("全年受理的申请办结率为100%，予以公开率为42%。", (("req.pct.disclosed", 42),)),
    ("上年结转的4件申请已全部办结。", (("req.carried_over", 4),)),
    ("2024年，我局共收到政府信息公开申请八十件，同比减少10件。", (("req.new", 80), ("delta", 10))),
    # a share right after the group's count; a count after "办结…" without "申请"; cases counted in 起
    ("本年共受理申请70件，其中予以公开29件，占42%。",
     (("req.new", 70), ("req.group.disclosed", 29), ("req.pct.disclosed", 42))),
    ("办结69件，其中予以公开29件，占50%。",
     (("req.answered", 69), ("req.group.disclosed", 29), ("req.pct.disclosed", 50))),
    ("办结69件，其中予以公开30件。", (("req.answered", 69), ("req.group.disclosed", 30))),
    ("行政复议案件6起，行政诉讼案件5起。", (("appeal.review", 6), ("appeal.litigation", 5))),
    ("与复议机关一起研究答复口径。", ()),
    ("全年共处理政府信息公开申请74件（含上年结转4件）。", (("req.handled", 74), ("req.carried_over", 4))),
    # the wording of the rollup draft and of the {办理结果总数} placeholder
    ("办理结果总数72件。", (("req.answered", 72),)),
    ("本年度新收政府信息公开申请70件；办理结果总数69件，其中予以公开29件。",
     (("req.new", 70), ("req.answered", 69), ("req.group.disclosed", 29))),
    # --- not table figures: must stay silent -----------------------------------------------
    ("办理人大代表建议14件、政协提案13件。", ()),
    ("门户网站发布信息1412条。", ()),
    ("开展业务培训4次，培训人员120人次。", ()),
    ("约有70件申请通过网上平台提交。", ()),
    ("收到申请70余件。", ()),
    ("接收群众来信来访30件。", ()),
    ("第3件申请于1月5日办结。", ()),
    ("行政许可事项办结2103件。", (("active.licensing_decisions", 2103),)),
    ("建议办结14件。", ()),
    ("信访事项结转下年度处理2件。", ()),
    ("12345热线工单办结1200件。", ()),
    ("本年新收来信30件。", ()),
    ("政务服务工单结转下年度2件。", ()),
    ("全年办结率达到100%。", ()),
    ("制发行政规范性文件3件。", (("active.normative_documents.issued", 3),)),
    ("公开行政处罚决定287件。", (("active.penalty_decisions", 287),)),
)

#: The rule that compares each topic with the tables.
RULE_OF_TOPIC = (("req.new", "F1"), ("req.handled", "F1"), ("delta", "F1"), ("req.answered", "F2"), ("req.carried_", "F2"),
                 ("req.group.", "F3"), ("req.pct.", "F3"), ("appeal.", "D2"), ("active.", "B4"))


def rule_of(topic: str) -> str:
    return next(r for prefix, r in RULE_OF_TOPIC if topic.startswith(prefix))
