"""The pages' words in Chinese and English, and which language a request gets: the one the
person chose (a cookie set by the language switch on every page), else the first of
``Accept-Language`` we have, else Chinese, the language of the people the bank serves."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from creditbank.domain import Lang

LANG_COOKIE = "cb_lang"

TEXT: dict[str, dict[str, str]] = {
    "site": {"en": "Credit bank", "zh": "学分银行"},
    "skip": {"en": "Skip to the content", "zh": "跳到正文"},
    "switch_lang": {"en": "中文", "zh": "English"},
    "switch_lang_label": {"en": "切换到中文", "zh": "Switch to English"},
    "nav": {"en": "Main", "zh": "主菜单"},
    "nav_home": {"en": "Home", "zh": "首页"},
    "nav_equivalence": {"en": "Course equivalence", "zh": "课程互认查询"},
    "nav_account": {"en": "My account", "zh": "我的账户"},
    "nav_audit": {"en": "My audit", "zh": "学分审核"},
    "nav_what_if": {"en": "What if", "zh": "假如"},
    "nav_registrar": {"en": "Registrar", "zh": "教务"},
    "nav_policy": {"en": "Rules", "zh": "规则管理"},
    "sign_out": {"en": "Sign out", "zh": "退出"},
    "signed_in_as": {"en": "Signed in: {who}", "zh": "已登录：{who}"},
    "role_learner": {"en": "learner {party}", "zh": "学习者 {party}"},
    "role_institution": {"en": "registrar of {party}", "zh": "{party} 教务"},
    "role_enterprise": {"en": "enterprise {party}", "zh": "企业 {party}"},
    "role_policy": {"en": "policy staff", "zh": "政策管理员"},
    "role_admin": {"en": "administrator", "zh": "管理员"},
    # home and signing in
    "home_title": {"en": "Sign in to the credit bank", "zh": "登录学分银行"},
    "home_intro": {
        "en": "See what your certificates and courses count for toward a degree, why, and what is left to do.",
        "zh": "查看您的证书和课程能抵免哪些学分、为什么，以及还差什么。",
    },
    "key_label": {"en": "Your access key", "zh": "您的访问密钥"},
    "key_hint": {
        "en": "The key the bank gave you, starting with cb_. It is never shown on a page.",
        "zh": "学分银行发给您的密钥，以 cb_ 开头。页面上不会显示它。",
    },
    "sign_in": {"en": "Sign in", "zh": "登录"},
    "key_invalid": {
        "en": "That key is not valid: it is unknown, revoked or expired. Check it and try again.",
        "zh": "该密钥无效：不存在、已吊销或已过期。请检查后重试。",
    },
    "key_empty": {"en": "Enter your access key.", "zh": "请输入访问密钥。"},
    "form_expired": {
        "en": "This form has expired. Please send it again.",
        "zh": "表单已过期，请重新提交。",
    },
    "no_pages_for_role": {
        "en": "There are no pages for your role yet; use the API, or look up course equivalences.",
        "zh": "您的角色暂无页面；请使用 API，或查询课程互认。",
    },
    "go_to_pages": {"en": "Go to your pages", "zh": "进入我的页面"},
    # errors
    "error_title": {"en": "Something is wrong", "zh": "出错了"},
    "sign_in_first": {"en": "Please sign in first.", "zh": "请先登录。"},
    "not_yours": {"en": "This page is not for your role.", "zh": "您的角色不能查看此页面。"},
    "not_found": {"en": "There is no such page.", "zh": "没有这个页面。"},
    "back_home": {"en": "Back to the home page", "zh": "返回首页"},
    "unknown_programme": {
        "en": "There is no programme '{id}' in force on that date.",
        "zh": "该日期没有有效的专业“{id}”。",
    },
    "unknown_course": {"en": "There is no course '{id}'.", "zh": "没有课程“{id}”。"},
    "unknown_learner": {"en": "There is no learner '{id}' here.", "zh": "这里没有学习者“{id}”。"},
    "unknown_outcome": {
        "en": "There is no outcome {id} you may change.",
        "zh": "没有您可处理的学习成果 {id}。",
    },
    "unknown_version": {"en": "There is no version {id}.", "zh": "没有版本 {id}。"},
    "problem_with": {"en": "{detail}", "zh": "{detail}"},
    "problem": {"en": "The bank could not do this:", "zh": "无法完成："},
    # account
    "account_title": {"en": "Account {learner}", "zh": "账户 {learner}"},
    "print": {"en": "Print this statement", "zh": "打印本页"},
    "outcomes": {"en": "Learning outcomes", "zh": "学习成果"},
    "no_outcomes": {"en": "No outcomes recorded yet.", "zh": "尚无学习成果记录。"},
    "col_id": {"en": "No.", "zh": "编号"},
    "col_outcome": {"en": "Outcome", "zh": "学习成果"},
    "col_issuer": {"en": "Issuer", "zh": "颁发机构"},
    "col_kind": {"en": "Kind", "zh": "类型"},
    "col_date": {"en": "Date", "zh": "日期"},
    "col_status": {"en": "Status", "zh": "状态"},
    "col_reason": {"en": "Reason", "zh": "原因"},
    "col_credits": {"en": "Credits", "zh": "学分"},
    "col_learner": {"en": "Learner", "zh": "学习者"},
    "col_programme": {"en": "Programme", "zh": "专业"},
    "col_enrolled": {"en": "Enrolled on", "zh": "入学日期"},
    "col_action": {"en": "Action", "zh": "操作"},
    "bank_credits": {"en": "Bank credits: {total}", "zh": "银行学分：{total}"},
    "by_level": {"en": "By level", "zh": "按等级"},
    "by_kind": {"en": "By kind", "zh": "按类型"},
    "by_field": {"en": "By field", "zh": "按领域"},
    "ledger": {"en": "Ledger", "zh": "账本记录"},
    "col_seq": {"en": "#", "zh": "序号"},
    "col_entry": {"en": "Entry", "zh": "记录"},
    "col_by": {"en": "By", "zh": "操作者"},
    "col_at": {"en": "When", "zh": "时间"},
    "enrolments": {"en": "Programmes you are enrolled in", "zh": "已报读的专业"},
    "no_enrolments": {"en": "You are not enrolled in a programme.", "zh": "您尚未报读专业。"},
    "see_audit": {"en": "See the audit", "zh": "查看审核"},
    "status_submitted": {"en": "submitted, awaiting a check", "zh": "已提交，待审核"},
    "status_verified": {"en": "verified", "zh": "已核实"},
    "status_recognised": {"en": "recognised", "zh": "已认定"},
    "status_rejected": {"en": "rejected", "zh": "已驳回"},
    "status_revoked": {"en": "revoked", "zh": "已撤销"},
    "kind_academic_course": {"en": "university course", "zh": "高校课程"},
    "kind_skill_certificate": {"en": "skill certificate", "zh": "职业技能等级证书"},
    "kind_training_certificate": {"en": "training certificate", "zh": "培训证书"},
    "kind_enterprise_training": {"en": "enterprise training", "zh": "企业内部培训"},
    "kind_competition_award": {"en": "competition award", "zh": "竞赛获奖"},
    "kind_vocational_qualification": {"en": "vocational qualification", "zh": "职业资格证书"},
    "entry_deposit": {"en": "recorded", "zh": "存入"},
    "entry_verification": {"en": "verified", "zh": "核实"},
    "entry_rejection": {"en": "rejected", "zh": "驳回"},
    "entry_recognition": {"en": "recognised", "zh": "认定"},
    "entry_transfer": {"en": "audit decision", "zh": "转换审核决定"},
    "entry_reversal": {"en": "reversed", "zh": "冲回"},
    "entry_revocation": {"en": "revoked", "zh": "撤销"},
    "entry_exception": {"en": "exception granted", "zh": "批准例外"},
    "entry_exception_withdrawn": {"en": "exception withdrawn", "zh": "撤回例外"},
    "kind_work_experience": {"en": "work experience", "zh": "工作经历"},
    # audit
    "audit_title": {"en": "Audit: {programme}", "zh": "学分审核：{programme}"},
    "audit_choose": {"en": "Audit against a programme", "zh": "按专业审核"},
    "programme": {"en": "Programme", "zh": "专业"},
    "date": {"en": "Application date", "zh": "申请日期"},
    "date_hint": {"en": "YYYY-MM-DD; empty for today", "zh": "格式 YYYY-MM-DD；留空为今天"},
    "show": {"en": "Show", "zh": "查看"},
    "audit_live": {
        "en": "Computed now from your verified outcomes under the rules in force on {date}; nothing is stored.",
        "zh": "根据您已核实的学习成果和 {date} 有效的规则即时计算，不作保存。",
    },
    "progress": {
        "en": "{counted} of {required} credits counted; {remaining} to go.",
        "zh": "已计 {counted} / {required} 学分，还差 {remaining} 学分。",
    },
    "groups": {"en": "Requirements and categories", "zh": "要求与类别"},
    "col_group": {"en": "Group", "zh": "项目"},
    "col_met": {"en": "Met", "zh": "是否满足"},
    "col_missing": {"en": "Missing", "zh": "尚缺"},
    "met_yes": {"en": "met", "zh": "已满足"},
    "met_no": {"en": "not met", "zh": "未满足"},
    "missing_credits": {"en": "{credits} credits", "zh": "{credits} 学分"},
    "missing_courses": {"en": "courses {courses}", "zh": "课程 {courses}"},
    "residency": {"en": "Credits to earn in the programme itself", "zh": "须在本专业修读的学分"},
    "granted": {"en": "What counts", "zh": "可抵免的学分"},
    "no_grants": {
        "en": "Nothing counts toward this programme yet.",
        "zh": "目前没有可抵免本专业的学分。",
    },
    "rules_used": {"en": "Rules", "zh": "依据规则"},
    "not_counting": {"en": "What does not count, and why", "zh": "不能抵免的成果及原因"},
    "exceptions": {"en": "Exceptions your institution granted", "zh": "院校批准的例外"},
    "nothing_refused": {"en": "Every outcome counts.", "zh": "所有学习成果均已计入。"},
    "why": {"en": "Why?", "zh": "为什么？"},
    "what_it_takes": {"en": "What would it take", "zh": "怎样最快完成"},
    "step_credits": {"en": "+{credits} credits", "zh": "+{credits} 学分"},
    "no_steps": {
        "en": "No further outcome would add credits.",
        "zh": "没有可再增加学分的学习成果。",
    },
    "to_take": {"en": "Courses to study", "zh": "需要修读的课程"},
    "limits": {"en": "Caps", "zh": "上限"},
    "limit_line": {
        "en": "{id}: {used} of {bound} {unit}",
        "zh": "{id}：已用 {used} / {bound} {unit}",
    },
    "unit_credits": {"en": "credits", "zh": "学分"},
    "unit_count": {"en": "outcomes", "zh": "项"},
    "binding": {"en": "(reached)", "zh": "（已达上限）"},
    # what-if
    "what_if_title": {"en": "What if", "zh": "假如"},
    "what_if_intro": {
        "en": "Compare your audit with another programme or date. Nothing is stored.",
        "zh": "将当前审核与其他专业或日期对比，不作保存。",
    },
    "current": {"en": "Now: {programme} on {date}", "zh": "当前：{programme}（{date}）"},
    "what_if_case": {"en": "What if: {programme} on {date}", "zh": "假如：{programme}（{date}）"},
    "compare": {"en": "Compare", "zh": "对比"},
    "closest": {"en": "Closest programmes", "zh": "最接近毕业的专业"},
    "col_rank": {"en": "Rank", "zh": "排名"},
    "col_remaining": {"en": "Credits to go", "zh": "尚差学分"},
    "col_counted": {"en": "Counted", "zh": "已计学分"},
    "col_unmet": {"en": "Groups not met", "zh": "未满足项目"},
    "bad_date": {
        "en": "'{value}' is not a date: write it as YYYY-MM-DD.",
        "zh": "“{value}”不是日期，请按 YYYY-MM-DD 填写。",
    },
    # equivalence
    "equivalence_title": {"en": "Course equivalence", "zh": "课程互认查询"},
    "equivalence_intro": {
        "en": "What a course of another institution counts as in a programme, or what counts toward a course of the programme, with the rules that say so.",
        "zh": "查询其他院校的课程在某专业中可抵免什么，或哪些学习成果可抵免本专业的某门课程，并列出依据规则。",
    },
    "direction": {"en": "Direction", "zh": "查询方向"},
    "direction_from": {"en": "What does this course count as?", "zh": "这门课能抵免什么？"},
    "direction_toward": {"en": "What counts toward this course?", "zh": "什么可以抵免这门课？"},
    "course": {"en": "Course", "zh": "课程"},
    "course_hint": {
        "en": "Counts as: INSTITUTION:CODE (e.g. poly:P2). Counts toward: a course code of the programme (e.g. M3).",
        "zh": "“能抵免什么”填 院校:课程代码（如 poly:P2）；“什么可以抵免”填本专业课程代码（如 M3）。",
    },
    "course_needs_institution": {
        "en": "Write the course as INSTITUTION:CODE, for example poly:P2.",
        "zh": "请按 院校:课程代码 填写，例如 poly:P2。",
    },
    "course_empty": {"en": "Enter a course.", "zh": "请输入课程。"},
    "look_up": {"en": "Look up", "zh": "查询"},
    "answers": {"en": "Answers", "zh": "查询结果"},
    "no_answers": {
        "en": "Nothing: no rule in force reaches it.",
        "zh": "无结果：没有有效规则涉及此课程。",
    },
    "col_source": {"en": "From", "zh": "来源"},
    "col_target": {"en": "Counts as", "zh": "抵免"},
    "col_chain": {"en": "Rule chain", "zh": "规则链"},
    "col_note": {"en": "Note", "zh": "备注"},
    # registrar
    "registrar_title": {"en": "Registrar: {party}", "zh": "教务：{party}"},
    "queue": {"en": "Outcomes to check", "zh": "待审核的学习成果"},
    "queue_empty": {"en": "Nothing to check.", "zh": "没有待审核的学习成果。"},
    "enrolled": {"en": "Enrolled learners", "zh": "已报读的学习者"},
    "open_learner": {"en": "Open {learner}", "zh": "查看 {learner}"},
    "verify": {"en": "Verify", "zh": "核实"},
    "reject": {"en": "Reject", "zh": "驳回"},
    "reason": {"en": "Reason", "zh": "原因"},
    "reason_hint": {
        "en": "Required to reject; the learner reads it.",
        "zh": "驳回时必填，学习者可见。",
    },
    "reason_needed": {
        "en": "Give the reason for rejecting outcome {id}.",
        "zh": "驳回学习成果 {id} 须填写原因。",
    },
    "done_verify": {"en": "Outcome {id} is verified.", "zh": "学习成果 {id} 已核实。"},
    "done_reject": {"en": "Outcome {id} is rejected.", "zh": "学习成果 {id} 已驳回。"},
    "done_exception": {
        "en": "Exception {id} is granted; every audit applies it from now on.",
        "zh": "例外 {id} 已批准，此后每次审核都将适用。",
    },
    "done_withdrawn": {
        "en": "Exception {id} is withdrawn; it stays on record.",
        "zh": "例外 {id} 已撤回，记录仍保留。",
    },
    "exceptions_granted": {"en": "Exceptions", "zh": "例外"},
    "no_exceptions": {"en": "No exception was granted.", "zh": "尚未批准任何例外。"},
    "col_exception": {"en": "Exception", "zh": "例外"},
    "exception_waiver": {"en": "Waiver", "zh": "免修"},
    "exception_substitution": {"en": "Substitution", "zh": "替代"},
    "exception_petition": {"en": "Credit by petition", "zh": "申请认定"},
    "exception_in_force": {"en": "in force", "zh": "有效"},
    "exception_withdrawn_on": {"en": "withdrawn on {date}", "zh": "已于{date}撤回"},
    "withdraw": {"en": "Withdraw", "zh": "撤回"},
    "grant_exception": {"en": "Grant the exception", "zh": "批准例外"},
    "exception_kind": {"en": "Kind of exception", "zh": "例外类型"},
    "exception_target_kind": {"en": "It is on a", "zh": "适用对象"},
    "target_course": {"en": "course", "zh": "课程"},
    "target_requirement": {"en": "requirement", "zh": "要求"},
    "target_category": {"en": "category", "zh": "类别"},
    "exception_target": {"en": "Course, requirement or category", "zh": "课程、要求或类别"},
    "exception_target_hint": {
        "en": "Its code or id in the programme, e.g. a course code.",
        "zh": "其在专业中的代码或编号，例如课程代码。",
    },
    "exception_outcome": {
        "en": "Outcome it rests on (No., for a substitution)",
        "zh": "所依据的学习成果（编号，替代时必填）",
    },
    "exception_credits": {
        "en": "Credits (a petition in a category)",
        "zh": "学分（按类别申请认定时填写）",
    },
    "not_a_number": {
        "en": "'{value}' is not a number.",
        "zh": "“{value}”不是数字。",
    },
    "learner_title": {"en": "Learner {learner}", "zh": "学习者 {learner}"},
    "audit_learner": {"en": "Audit this learner", "zh": "审核该学习者"},
    "audit_stored": {
        "en": "Decision {id} is stored: digest {digest}.",
        "zh": "审核决定 {id} 已保存，摘要 {digest}。",
    },
    "run_audit": {"en": "Run the audit", "zh": "执行审核"},
    # policy
    "policy_title": {"en": "Rule sets", "zh": "规则集管理"},
    "upload": {"en": "Upload a rule directory", "zh": "上传规则目录"},
    "upload_file": {"en": "Rule directory as a zip file", "zh": "规则目录（zip 文件）"},
    "upload_hint": {
        "en": "Zip the folder holding pack.yaml and its tests/.",
        "zh": "将含 pack.yaml 和 tests/ 的文件夹打包为 zip。",
    },
    "action_check": {"en": "Check", "zh": "检查"},
    "action_test": {"en": "Run the rule tests", "zh": "运行规则测试"},
    "action_store": {"en": "Store as a draft", "zh": "保存为草稿"},
    "no_file": {"en": "Choose a zip file to upload.", "zh": "请选择要上传的 zip 文件。"},
    "findings": {"en": "Findings in {file}", "zh": "{file} 的检查结果"},
    "findings_count": {
        "en": "{errors} error(s), {warnings} warning(s)",
        "zh": "{errors} 个错误，{warnings} 个警告",
    },
    "no_findings": {"en": "No errors and no warnings.", "zh": "没有错误和警告。"},
    "col_severity": {"en": "Severity", "zh": "级别"},
    "col_where": {"en": "Where", "zh": "位置"},
    "col_code": {"en": "Code", "zh": "代码"},
    "col_message": {"en": "Message", "zh": "说明"},
    "severity_error": {"en": "error", "zh": "错误"},
    "severity_warning": {"en": "warning", "zh": "警告"},
    "tests_result": {
        "en": "Rule tests of {file}: {passed} passed, {failed} failed",
        "zh": "{file} 的规则测试：通过 {passed}，失败 {failed}",
    },
    "col_case": {"en": "Case", "zh": "案例"},
    "col_result": {"en": "Result", "zh": "结果"},
    "passed": {"en": "passed", "zh": "通过"},
    "failed": {"en": "failed", "zh": "失败"},
    "draft_stored": {"en": "Stored as draft version {id}.", "zh": "已保存为草稿版本 {id}。"},
    "draft_refused": {"en": "Not stored: the rules have errors.", "zh": "未保存：规则有错误。"},
    "versions": {"en": "Versions", "zh": "版本"},
    "col_version": {"en": "Version", "zh": "版本"},
    "col_pack": {"en": "Pack", "zh": "规则包"},
    "col_from": {"en": "In force from", "zh": "生效日期"},
    "col_digest": {"en": "Digest", "zh": "摘要"},
    "vstatus_draft": {"en": "draft", "zh": "草稿"},
    "vstatus_published": {"en": "published", "zh": "已发布"},
    "vstatus_retired": {"en": "retired", "zh": "已停用"},
    "publish": {"en": "Publish", "zh": "发布"},
    "impact": {"en": "Impact on learners", "zh": "对学习者的影响"},
    "impact_label": {
        "en": "Re-audit the enrolled learners under draft {id} and the version in force",
        "zh": "按草案 {id} 与现行版本重新审核已注册学习者",
    },
    "publish_from": {"en": "In force from (version {id})", "zh": "生效日期（版本 {id}）"},
    "published": {"en": "Version {id} is published.", "zh": "版本 {id} 已发布。"},
    "diff": {"en": "Compare two versions", "zh": "比较两个版本"},
    "diff_from": {"en": "From version", "zh": "原版本"},
    "diff_to": {"en": "To version", "zh": "新版本"},
    "diff_title": {
        "en": "From version {old} to version {new}",
        "zh": "版本 {old} 到版本 {new} 的变化",
    },
    "diff_none": {"en": "No rule changed.", "zh": "规则没有变化。"},
    "diff_pack": {"en": "Pack fields changed: {fields}", "zh": "规则包字段变化：{fields}"},
    "added": {"en": "Added", "zh": "新增"},
    "removed": {"en": "Removed", "zh": "删除"},
    "changed": {"en": "Changed", "zh": "修改"},
    "fields": {"en": "fields {fields}", "zh": "字段 {fields}"},
}


def choose(request: Request) -> Lang:
    """The cookie's language, else the best of Accept-Language we have, else Chinese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("zh", "en"):
        return Lang(chosen)
    return accepted(request.headers.get("accept-language", ""))


def accepted(header: str) -> Lang:
    """The language of ``header`` (an Accept-Language value) we have with the highest weight.

    >>> accepted("en-GB,en;q=0.9,zh-CN;q=0.8"), accepted("zh-TW;q=0.5,fr"), accepted("")
    (<Lang.EN: 'en'>, <Lang.ZH: 'zh'>, <Lang.ZH: 'zh'>)
    """
    best: tuple[float, Lang] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        if best is None or weight > best[0]:
            best = (weight, Lang(primary))
    return best[1] if best else Lang.ZH


def translator(lang: Lang) -> Callable[..., str]:
    """``t(key, **values)``: the page text ``key`` in ``lang`` with ``values`` filled in."""

    def t(key: str, **values: object) -> str:
        text = TEXT[key][lang.value]
        return text.format(**values) if values else text

    return t
