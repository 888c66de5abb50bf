"""The interface's message catalog (English and Chinese) and the choice of language.

Language is chosen per request: the `lang` cookie (set by the switcher), then the
account's locale, then the browser's Accept-Language, then the `default_locale` setting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

LOCALES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "app.name": {"en": "culturebridge", "zh": "文化桥"},
    "app.tagline": {"en": "Cultural works across languages, trustworthily", "zh": "让文化作品可信地跨越语言"},
    "nav.studio": {"en": "Studio", "zh": "工作室"},
    "nav.works": {"en": "Works", "zh": "作品"},
    "nav.ips": {"en": "IPs & canon", "zh": "IP 与正典"},
    "nav.jobs": {"en": "Jobs", "zh": "任务"},
    "nav.login": {"en": "Log in", "zh": "登录"},
    "nav.logout": {"en": "Log out", "zh": "退出"},
    "nav.api": {"en": "API", "zh": "接口"},
    "nav.verify": {"en": "Verify", "zh": "验证"},
    "nav.review": {"en": "Review desk", "zh": "审核台"},
    "nav.conflicts": {"en": "Copies found", "zh": "疑似侵权"},
    "login.title": {"en": "Log in", "zh": "登录"},
    "login.username": {"en": "Username", "zh": "用户名"},
    "login.password": {"en": "Password", "zh": "密码"},
    "login.submit": {"en": "Log in", "zh": "登录"},
    "login.failed": {"en": "Wrong username or password.", "zh": "用户名或密码错误。"},
    "home.welcome": {"en": "Welcome", "zh": "欢迎"},
    "home.intro": {
        "en": "culturebridge takes Chinese stories, intangible heritage, micro-drama and AI-assisted works "
        "to audiences abroad — with verifiable rights, AI labels, canon-aware review and careful localization.",
        "zh": "文化桥把中国故事、非物质文化遗产、微短剧与 AI 辅助创作带给海外观众——权属可验证、AI 内容有标识、"
        "改编尊重原著、翻译用心。",
    },
    "works.title": {"en": "Works", "zh": "作品"},
    "works.search": {"en": "Search titles and synopses", "zh": "搜索标题与简介"},
    "works.search.submit": {"en": "Search", "zh": "搜索"},
    "works.new": {"en": "New work", "zh": "新建作品"},
    "works.none": {"en": "No works yet.", "zh": "还没有作品。"},
    "works.kind": {"en": "Kind", "zh": "类型"},
    "works.lang": {"en": "Original language", "zh": "原始语言"},
    "works.title_zh": {"en": "Title (Chinese)", "zh": "标题（中文）"},
    "works.title_en": {"en": "Title (English)", "zh": "标题（英文）"},
    "works.synopsis_zh": {"en": "Synopsis (Chinese)", "zh": "简介（中文）"},
    "works.synopsis_en": {"en": "Synopsis (English)", "zh": "简介（英文）"},
    "works.ip": {"en": "IP", "zh": "所属 IP"},
    "works.ip.none": {"en": "(none)", "zh": "（无）"},
    "works.markets": {"en": "Markets (e.g. US/en FR/fr)", "zh": "市场（如 US/en FR/fr）"},
    "works.markets.label": {"en": "Markets", "zh": "市场"},
    "works.rights_holder": {"en": "Rights holder", "zh": "权利人"},
    "works.ai": {"en": "AI-generated", "zh": "AI 生成"},
    "works.derived_from": {"en": "Derived from (work id)", "zh": "来源作品（ID）"},
    "works.derivation": {"en": "Derivation kind", "zh": "衍生方式"},
    "works.tool": {"en": "Tool or model", "zh": "工具或模型"},
    "works.create": {"en": "Create work", "zh": "创建作品"},
    "works.assets": {"en": "Assets", "zh": "媒体文件"},
    "works.upload": {"en": "Upload a file", "zh": "上传文件"},
    "works.upload.submit": {"en": "Upload", "zh": "上传"},
    "works.lineage": {"en": "Lineage", "zh": "衍生关系"},
    "works.stages": {"en": "Pipeline", "zh": "流程状态"},
    "works.owner": {"en": "Owner", "zh": "所有者"},
    "works.no_assets": {"en": "No files yet.", "zh": "还没有文件。"},
    "works.uploaded": {"en": "File added.", "zh": "文件已添加。"},
    "lineage.title": {"en": "Lineage of", "zh": "衍生关系："},
    "lineage.ancestors": {"en": "Ancestors", "zh": "上游作品"},
    "lineage.descendants": {"en": "Descendants", "zh": "下游作品"},
    "ips.title": {"en": "IPs and canon cards", "zh": "IP 与正典卡"},
    "ips.characters": {"en": "Characters", "zh": "人物"},
    "ips.facts": {"en": "Facts", "zh": "设定事实"},
    "ips.era": {"en": "Era", "zh": "时代"},
    "ips.edit": {"en": "Edit canon card (YAML)", "zh": "编辑正典卡（YAML）"},
    "ips.save": {"en": "Save", "zh": "保存"},
    "ips.saved": {"en": "Canon card saved.", "zh": "正典卡已保存。"},
    "ips.protection": {"en": "Protection", "zh": "保护级别"},
    "jobs.title": {"en": "Background jobs", "zh": "后台任务"},
    "jobs.none": {"en": "No jobs.", "zh": "没有任务。"},
    "error.title": {"en": "Something is wrong", "zh": "出错了"},
    "error.back": {"en": "Go back", "zh": "返回"},
    "lang.switch": {"en": "中文", "zh": "English"},
    # --- rights messages ---
    "rights.title": {"en": "Rights registration", "zh": "权属登记"},
    "rights.none": {
        "en": "Not registered yet. Registering signs a claim over this work's files with the owner's key and "
        "records it in the public transparency log.",
        "zh": "尚未登记。登记会用所有者的密钥对本作品文件签署权属声明，并写入公开的透明日志。",
    },
    "rights.entry": {"en": "Log entry", "zh": "日志条目"},
    "rights.licence": {"en": "Licence", "zh": "许可"},
    "rights.terms": {"en": "Custom terms (for 'custom' only)", "zh": "自定义条款（仅用于 custom）"},
    "rights.holder": {"en": "Rights holder", "zh": "权利人"},
    "rights.registered": {"en": "Registered", "zh": "登记时间"},
    "rights.source": {"en": "Derived from", "zh": "来源声明"},
    "rights.checkpoint": {"en": "Checkpoint", "zh": "检查点"},
    "rights.size": {"en": "tree size", "zh": "树大小"},
    "rights.root": {"en": "Root hash", "zh": "根哈希"},
    "rights.pending": {
        "en": "Not yet covered by a checkpoint (run culturebridge rights checkpoint).",
        "zh": "尚无检查点覆盖（请运行 culturebridge rights checkpoint）。",
    },
    "rights.download": {"en": "Download evidence bundle", "zh": "下载证据包"},
    "rights.verify_link": {"en": "Verify a bundle or file", "zh": "验证证据包或文件"},
    "rights.register": {"en": "Register", "zh": "登记"},
    "rights.register_again": {"en": "Register again (new licence or files)", "zh": "重新登记（新许可或新文件）"},
    "rights.register_note": {
        "en": "A derivative can be registered once the work it was made from is registered.",
        "zh": "衍生作品需在其来源作品登记之后才能登记。",
    },
    "verify.title": {"en": "Verify rights evidence", "zh": "验证权属证据"},
    "verify.intro": {
        "en": "Upload an evidence bundle to check its signatures and proofs, add media files to check they are "
        "the claimed files — or upload a media file alone to find its registered claim.",
        "zh": "上传证据包以核验签名与证明，可同时上传媒体文件核对是否为声明中的文件；也可只上传媒体文件以查找其登记声明。",
    },
    "verify.bundle": {"en": "Evidence bundle (JSON)", "zh": "证据包（JSON）"},
    "verify.media": {"en": "Media files", "zh": "媒体文件"},
    "verify.submit": {"en": "Verify", "zh": "验证"},
    "verify.offline": {"en": "Offline, with no server:", "zh": "离线核验（无需服务器）："},
    "verify.valid": {"en": "Valid: every check passed.", "zh": "有效：全部检查通过。"},
    "verify.invalid": {"en": "Not valid. Failed check:", "zh": "无效。未通过的检查："},
    "verify.work": {"en": "Work ID", "zh": "作品 ID"},
    "verify.timestamp": {"en": "Timestamp (RFC 3161)", "zh": "可信时间戳（RFC 3161）"},
    "verify.status.pass": {"en": "passed", "zh": "通过"},
    "verify.status.fail": {"en": "FAILED", "zh": "失败"},
    "verify.status.skip": {"en": "skipped", "zh": "跳过"},
    "verify.no_claim": {"en": "No registered claim names this file.", "zh": "没有登记声明包含此文件。"},
    # --- fingerprint messages ---
    "fingerprint.title": {"en": "Fingerprints and copies", "zh": "指纹与复制检测"},
    "fingerprint.pending": {"en": "Fingerprinting queued.", "zh": "指纹计算排队中。"},
    "fingerprint.status.ok": {"en": "Fingerprinted", "zh": "已生成指纹"},
    "fingerprint.status.unmatchable": {"en": "Fingerprinted, but too featureless to ever match", "zh": "已生成指纹，但内容过于单一，无法比对"},
    "fingerprint.status.unsupported": {"en": "Not fingerprinted (format)", "zh": "未生成指纹（格式不支持）"},
    "fingerprint.status.failed": {"en": "Fingerprinting failed", "zh": "指纹生成失败"},
    "fingerprint.kind.image": {"en": "image", "zh": "图像"},
    "fingerprint.kind.video": {"en": "video", "zh": "视频"},
    "fingerprint.kind.audio": {"en": "audio", "zh": "音频"},
    "fingerprint.kind.text": {"en": "text", "zh": "文本"},
    "fingerprint.open": {"en": "Open conflicts", "zh": "待处理的冲突"},
    "fingerprint.queue": {"en": "Copy conflicts", "zh": "复制冲突"},
    "fingerprint.queue.intro": {
        "en": "Files uploaded to one work that copy another work's file. The rights holder of the copied work decides each one.",
        "zh": "某作品上传的文件复制了另一作品的文件。由被复制作品的权利人逐条判定。",
    },
    "fingerprint.none": {"en": "No conflicts here.", "zh": "这里没有冲突。"},
    "fingerprint.copies": {"en": "copies", "zh": "复制了"},
    "fingerprint.span": {"en": "Where in the original:", "zh": "原作位置："},
    "fingerprint.unit.seconds": {"en": "seconds", "zh": "秒"},
    "fingerprint.unit.characters": {"en": "characters", "zh": "字符"},
    "fingerprint.decided": {"en": "Decided", "zh": "判定于"},
    "fingerprint.by_lineage": {"en": "declared derivation", "zh": "已声明的衍生关系"},
    "fingerprint.state.open": {"en": "open", "zh": "待处理"},
    "fingerprint.state.licensed": {"en": "licensed", "zh": "已授权"},
    "fingerprint.state.infringing": {"en": "infringing", "zh": "侵权"},
    "fingerprint.state.false-match": {"en": "false match", "zh": "误匹配"},
    "fingerprint.decide.licensed": {"en": "Licensed", "zh": "已授权"},
    "fingerprint.decide.infringing": {"en": "Infringing", "zh": "侵权"},
    "fingerprint.decide.false-match": {"en": "False match", "zh": "误匹配"},
    # --- labels messages ---
    "labels.title": {"en": "AI-content labels", "zh": "AI 生成内容标识"},
    "labels.declared": {
        "en": "The uploader declared this work AI-generated: each file gets an implicitly labelled copy (GB 45438, IPTC, C2PA).",
        "zh": "上传者声明本作品为 AI 生成：每个文件都会生成一份带隐式标识（GB 45438、IPTC、C2PA）的副本。",
    },
    "labels.verdict.compliant": {"en": "Labelled, compliant", "zh": "已标识，合规"},
    "labels.verdict.non-compliant": {"en": "Not compliant", "zh": "不合规"},
    "labels.verdict.no label": {"en": "No AI label", "zh": "无 AI 标识"},
    "labels.verdict.unreadable": {"en": "Unreadable file", "zh": "文件无法读取"},
    "labels.tier.AI生成": {"en": "Show: AI-generated", "zh": "提示：AI生成"},
    "labels.tier.可能为AI生成": {"en": "Show: possibly AI-generated", "zh": "提示：可能为AI生成"},
    "labels.tier.疑似AI生成": {"en": "Show: suspected AI-generated", "zh": "提示：疑似AI生成"},
    "labels.purpose.implicit": {"en": "labelled copy", "zh": "标识副本"},
    "labels.purpose.publication": {"en": "publication copy", "zh": "发布副本"},
    "labels.rendition": {"en": "Labelled copy:", "zh": "标识副本："},
    "labels.pending": {"en": "Label check queued.", "zh": "标识检查排队中。"},
    "labels.publish": {"en": "Make publication copy", "zh": "生成发布副本"},
    "labels.publish.lang": {"en": "Notice language", "zh": "提示语言"},
    "labels.log_note": {
        "en": "Every check and labelling action is kept in the labelling log (culturebridge labels log).",
        "zh": "每次检查与标识操作都记录在标识日志中（culturebridge labels log）。",
    },
    # --- review messages ---
    "review.title": {"en": 'Canon & content review', "zh": '正典与内容审核'},
    "review.decision": {"en": 'Decision', "zh": '决定'},
    "review.decision.pass": {"en": 'Pass', "zh": '通过'},
    "review.decision.review": {"en": 'Needs human review', "zh": '需人工审核'},
    "review.decision.reject": {"en": 'Reject', "zh": '驳回'},
    "review.state": {"en": 'State', "zh": '状态'},
    "review.state.queued": {"en": 'queued', "zh": '排队中'},
    "review.state.claimed": {"en": 'being reviewed', "zh": '审核中'},
    "review.state.decided": {"en": 'decided', "zh": '已决定'},
    "review.state.appealed": {"en": 'appealed', "zh": '申诉中'},
    "review.automated": {"en": 'automated', "zh": '自动'},
    "review.human": {"en": 'human reviewer', "zh": '人工审核'},
    "review.fixes": {"en": 'Fixes applied automatically:', "zh": '可自动修正：'},
    "review.findings": {"en": 'Findings', "zh": '发现的问题'},
    "review.no_findings": {"en": 'No findings.', "zh": '未发现问题。'},
    "review.appealed": {"en": 'Appealed:', "zh": '已申诉：'},
    "review.open_desk": {"en": 'Open on the review desk', "zh": '在审核台打开'},
    "review.appeal": {"en": 'Appeal this decision', "zh": '对此决定申诉'},
    "review.appeal.reason": {"en": 'Why is the decision wrong? (another reviewer will decide)', "zh": '为何该决定有误？（将由另一位审核员处理）'},
    "review.none": {"en": 'Not reviewed yet.', "zh": '尚未审核。'},
    "review.submit": {"en": 'Submit for review', "zh": '提交审核'},
    "review.queue": {"en": 'Review desk', "zh": '审核台'},
    "review.audit": {"en": 'Audit log', "zh": '审计日志'},
    "review.audit.note": {"en": 'Append-only: entries are never changed or removed.', "zh": '仅追加：记录不会被修改或删除。'},
    "review.stats": {"en": 'Review figures', "zh": '审核统计'},
    "review.empty": {"en": 'Nothing waiting for you.', "zh": '暂无待审项目。'},
    "review.claim_next": {"en": 'Claim next item', "zh": '领取下一项'},
    "review.claim": {"en": 'Claim this item', "zh": '领取此项'},
    "review.release": {"en": 'Give back to the queue', "zh": '退回队列'},
    "review.held": {"en": 'Another reviewer is reviewing this item.', "zh": '另一位审核员正在审核此项。'},
    "review.mine": {"en": 'Items you hold', "zh": '你正在审核的项目'},
    "review.waiting": {"en": 'Waiting, oldest first', "zh": '待审（最早优先）'},
    "review.item": {"en": 'Review item', "zh": '审核项'},
    "review.queued_at": {"en": 'Queued', "zh": '排队时间'},
    "review.in_force": {"en": 'In force', "zh": '当前决定'},
    "review.frame": {"en": 'key frame at', "zh": '关键帧'},
    "review.your_decision": {"en": 'Your decision', "zh": '你的决定'},
    "review.clause": {"en": 'Policy clause', "zh": '政策条款'},
    "review.note": {"en": 'Note', "zh": '备注'},
    "review.record": {"en": 'Record decision', "zh": '记录决定'},
    "review.decisions": {"en": 'Decisions', "zh": '决定记录'},
    "review.round": {"en": 'Round', "zh": '轮次'},
    "review.when": {"en": 'When', "zh": '时间'},
    "review.who": {"en": 'Who', "zh": '操作者'},
    "review.action": {"en": 'Action', "zh": '操作'},
    "review.policy": {"en": 'Policy', "zh": '政策'},
    "review.stats.items": {"en": 'Items reviewed', "zh": '审核项目数'},
    "review.stats.states": {"en": 'By state', "zh": '按状态'},
    "review.stats.automated": {"en": 'Automated decisions', "zh": '自动决定'},
    "review.stats.human": {"en": 'Human decisions', "zh": '人工决定'},
    "review.stats.appeals": {"en": 'Appeals', "zh": '申诉'},
    "review.stats.overturned": {"en": 'overturned', "zh": '被推翻'},
    "review.stats.kappa": {"en": "Reviewer agreement (Cohen's kappa)", "zh": "审核员一致性（Cohen's kappa）"},
    "review.stats.no_pairs": {"en": 'No item has been decided by two reviewers yet.', "zh": '尚无由两位审核员决定的项目。'},
    "review.stats.pairs": {"en": 'double-reviewed items', "zh": '双人审核项目'},
    # --- localize messages ---
    "localize.title": {"en": "Localization", "zh": "本地化"},
    "localize.versions": {"en": "Localized versions", "zh": "本地化版本"},
    "localize.none": {"en": "Not localized yet.", "zh": "尚未本地化。"},
    "localize.start": {"en": "Localize", "zh": "开始本地化"},
    "localize.locale": {"en": "Into", "zh": "目标语言"},
    "localize.engine": {"en": "Translated by", "zh": "翻译方式"},
    "localize.engine.machine": {"en": "Machine translation (configured engine)", "zh": "机器翻译（已配置的引擎）"},
    "localize.engine.human": {"en": "Human translator", "zh": "人工翻译"},
    "localize.state.queued": {"en": "queued", "zh": "排队中"},
    "localize.state.running": {"en": "running", "zh": "进行中"},
    "localize.state.needs_human": {"en": "needs a translator", "zh": "待人工翻译"},
    "localize.state.done": {"en": "done", "zh": "已完成"},
    "localize.state.failed": {"en": "failed", "zh": "失败"},
    "localize.state.pending": {"en": "pending", "zh": "待处理"},
    "localize.state.translated": {"en": "translated", "zh": "已翻译"},
    "localize.state.edited": {"en": "edited", "zh": "已人工修改"},
    "localize.segments": {"en": "segments", "zh": "段"},
    "localize.qa": {"en": "QA flags", "zh": "质检提示"},
    "localize.qa.none": {"en": "no QA flags", "zh": "无质检提示"},
    "localize.derived": {"en": "Localized work", "zh": "本地化作品"},
    "localize.back": {"en": "Back to the work", "zh": "返回作品"},
    "localize.ai": {"en": "Machine-translated (AI-generated)", "zh": "机器翻译（AI 生成）"},
    "localize.job": {"en": "Job", "zh": "任务"},
    "localize.source": {"en": "Source", "zh": "原文"},
    "localize.target": {"en": "Translation", "zh": "译文"},
    "localize.save": {"en": "Save", "zh": "保存"},
    "localize.saved": {"en": "Saved, checked and added to the translation memory.", "zh": "已保存、已质检，并加入翻译记忆库。"},
    "localize.glossary": {"en": "Glossary", "zh": "术语表"},
    "localize.xliff.download": {"en": "Download XLIFF 2.0 for an outside translator", "zh": "下载 XLIFF 2.0（供外部译者使用）"},
    "localize.xliff.upload": {"en": "Translated XLIFF 2.0 file", "zh": "已翻译的 XLIFF 2.0 文件"},
    "localize.xliff.apply": {"en": "Apply translations", "zh": "导入译文"},
    "localize.xliff.imported": {"en": "Segments updated from XLIFF", "zh": "已从 XLIFF 更新的段数"},
    "localize.xliff.refused": {"en": "units refused (unknown segment or changed source)", "zh": "被拒绝的单元（未知段或原文已变）"},
    "localize.rerun": {"en": "Run again", "zh": "重新运行"},
    "localize.rerun.note": {"en": "Runs the engine on what is missing and rebuilds the subtitle files; finished and edited segments are kept.", "zh": "只翻译缺少的部分并重建字幕文件；已完成和人工修改的段保持不变。"},
    "localize.glossary.preview": {"en": "Not stored yet: this is the seed from the canon card; it is stored on first use.", "zh": "尚未保存：此为由正典卡生成的初始术语，首次使用时保存。"},
    "localize.glossary.export": {"en": "Export TBX", "zh": "导出 TBX"},
    "localize.glossary.seed": {"en": "Re-seed from canon card", "zh": "按正典卡重新生成"},
    "localize.glossary.seeded": {"en": "Glossary re-seeded from the canon card; curated terms kept.", "zh": "已按正典卡重新生成术语表；人工术语保留。"},
    "localize.glossary.term": {"en": "Term", "zh": "术语"},
    "localize.glossary.strategy": {"en": "Strategy", "zh": "处理方式"},
    "localize.glossary.curated": {"en": "curated", "zh": "人工"},
    "localize.glossary.first": {"en": "first mention", "zh": "首次出现"},
    "localize.glossary.never": {"en": "never", "zh": "禁用"},
    "localize.glossary.terms": {"en": "terms", "zh": "条术语"},
    "localize.glossary.unrendered": {"en": "no rendering yet: not enforced", "zh": "尚无译法：不强制"},
    # --- feed messages ---
    "feed.title": {"en": "Discover", "zh": "发现"},
    "feed.empty": {"en": "Nothing new here yet. Come back soon.", "zh": "暂时没有新内容，稍后再来看看。"},
    "feed.more": {"en": "More", "zh": "更多"},
    "feed.open": {"en": "Open", "zh": "打开"},
    "feed.like": {"en": "Like", "zh": "喜欢"},
    "feed.share": {"en": "Share", "zh": "分享"},
    "feed.follow": {"en": "Follow", "zh": "关注"},
    "feed.skip": {"en": "Skip", "zh": "跳过"},
    "feed.reason.personal": {"en": "For you", "zh": "为你推荐"},
    "feed.reason.popular": {"en": "Popular here", "zh": "本地热门"},
    "feed.reason.similar": {"en": "Like what you watched", "zh": "相似内容"},
    "feed.reason.exploration": {"en": "Something new", "zh": "新鲜发现"},
    "feed.panel.title": {"en": "Publication", "zh": "发布"},
    "feed.panel.none": {"en": "Not published in any market yet.", "zh": "尚未在任何市场发布。"},
    "feed.panel.market": {"en": "Market (e.g. US/en)", "zh": "市场（如 US/en）"},
    "feed.panel.publish": {"en": "Publish", "zh": "发布"},
    "feed.panel.localized": {"en": "localized version", "zh": "本地化版本"},
    "feed.panel.files": {"en": "file(s) served", "zh": "个文件"},
    "feed.panel.ai_note": {"en": "AI-generated: the files are published with their AI label.", "zh": "AI 生成：文件将附带 AI 标识发布。"},
    "nav.feed": {"en": "Feed", "zh": "推荐流"},
    "feed.report.title": {"en": "Feed by market", "zh": "各市场推荐流"},
    "feed.report.none": {"en": "No market has been published or served yet.", "zh": "尚无已发布或已推送的市场。"},
    "feed.report.summary": {"en": "publications · viewers served · slots · exploration", "zh": "发布数 · 触达观众 · 推送位 · 探索占比"},
    "feed.report.reason": {"en": "Why served", "zh": "推送原因"},
    "feed.report.served": {"en": "Served", "zh": "推送"},
    "feed.report.engaged": {"en": "Engaged", "zh": "互动"},
    "feed.report.skipped": {"en": "Skipped", "zh": "跳过"},
    "feed.report.conversion": {"en": "Conversion", "zh": "转化率"},
    "feed.report.breakout": {"en": "Break-out: viewers shown a culture they had not engaged with · took to it · follows",
                             "zh": "破圈：看到未曾接触的文化的观众 · 产生互动 · 关注"},
    "feed.report.events": {"en": "Events", "zh": "事件"},
    # --- studio: home, works list, bulk actions, jobs ---
    "home.title": {"en": "What needs me", "zh": "待我处理"},
    "home.needs": {"en": "Waiting for you", "zh": "等待你处理"},
    "home.clear": {"en": "Nothing is waiting for you.", "zh": "没有等待你处理的事项。"},
    "home.oldest": {"en": "oldest waits", "zh": "最早一项已等待"},
    "home.unregistered": {"en": "works not registered yet", "zh": "件作品尚未登记权属"},
    "home.copies": {"en": "copies found awaiting your decision", "zh": "条疑似复制待你判定"},
    "home.unlabelled": {"en": "AI-generated files without a required label", "zh": "个 AI 生成文件缺少必需的标识"},
    "home.reviews": {"en": "reviews waiting", "zh": "项审核待处理"},
    "home.qa": {"en": "segments with QA flags", "zh": "段译文有质检提示"},
    "home.failed": {"en": "failed jobs", "zh": "个任务失败"},
    "home.running": {"en": "Running now", "zh": "正在运行"},
    "home.running.none": {"en": "No job is running.", "zh": "没有正在运行的任务。"},
    "home.queued": {"en": "Jobs waiting", "zh": "排队中的任务"},
    "studio.filters": {"en": "Filters and sorting", "zh": "筛选与排序"},
    "studio.any": {"en": "Any", "zh": "全部"},
    "studio.ai.yes": {"en": "AI-generated", "zh": "AI 生成"},
    "studio.ai.no": {"en": "Not AI-generated", "zh": "非 AI 生成"},
    "studio.stage": {"en": "Stage", "zh": "流程环节"},
    "studio.state": {"en": "State", "zh": "状态"},
    "studio.sort": {"en": "Sort by", "zh": "排序"},
    "studio.apply": {"en": "Apply", "zh": "应用"},
    "studio.clear": {"en": "Clear", "zh": "清除"},
    "studio.pages": {"en": "Pages", "zh": "分页"},
    "studio.first": {"en": "First page", "zh": "第一页"},
    "studio.next": {"en": "Next page", "zh": "下一页"},
    "works.no_match": {"en": "No work matches.", "zh": "没有符合条件的作品。"},
    "sort.newest": {"en": "Newest first", "zh": "最新优先"},
    "sort.oldest": {"en": "Oldest first", "zh": "最早优先"},
    "sort.title": {"en": "Title", "zh": "标题"},
    "kind.story": {"en": "story", "zh": "故事"},
    "kind.image": {"en": "image", "zh": "图像"},
    "kind.audio": {"en": "audio", "zh": "音频"},
    "kind.video": {"en": "video", "zh": "视频"},
    "kind.heritage": {"en": "heritage", "zh": "非遗"},
    "kind.micro-drama-episode": {"en": "micro-drama episode", "zh": "微短剧单集"},
    "stage.rights": {"en": "rights", "zh": "权属"},
    "stage.fingerprint": {"en": "fingerprint", "zh": "指纹"},
    "stage.labels": {"en": "labels", "zh": "标识"},
    "stage.review": {"en": "review", "zh": "审核"},
    "stage.localize": {"en": "localize", "zh": "本地化"},
    "stage.feed": {"en": "feed", "zh": "推荐流"},
    "state.pending": {"en": "pending", "zh": "待处理"},
    "state.running": {"en": "running", "zh": "进行中"},
    "state.done": {"en": "done", "zh": "已完成"},
    "state.failed": {"en": "failed", "zh": "失败"},
    "state.skipped": {"en": "skipped", "zh": "已跳过"},
    "job.queued": {"en": "queued", "zh": "排队中"},
    "job.running": {"en": "running", "zh": "运行中"},
    "job.done": {"en": "done", "zh": "已完成"},
    "job.failed": {"en": "failed", "zh": "失败"},
    "jobs.id": {"en": "Job", "zh": "任务"},
    "jobs.kind": {"en": "Kind", "zh": "类型"},
    "jobs.progress": {"en": "Progress", "zh": "进度"},
    "jobs.created": {"en": "Created", "zh": "创建时间"},
    "bulk.title": {"en": "With the selected works", "zh": "对所选作品"},
    "bulk.action": {"en": "Action", "zh": "操作"},
    "bulk.register": {"en": "Register rights", "zh": "登记权属"},
    "bulk.review": {"en": "Submit for review", "zh": "提交审核"},
    "bulk.localize": {"en": "Localize into", "zh": "本地化为"},
    "bulk.publish": {"en": "Publish to", "zh": "发布到"},
    "bulk.apply": {"en": "Apply to selected", "zh": "应用到所选作品"},
    "bulk.select": {"en": "Select", "zh": "选择"},
    "bulk.applied": {"en": "Done", "zh": "已完成"},
    "bulk.refused": {"en": "Refused", "zh": "被拒绝"},
    "bulk.result": {"en": "Result", "zh": "结果"},
    "bulk.detail": {"en": "Details", "zh": "详情"},
    "bulk.ok": {"en": "done", "zh": "完成"},
    "bulk.no": {"en": "refused", "zh": "拒绝"},
    "bulk.not_found": {"en": "No such work.", "zh": "没有这件作品。"},
    "bulk.not_editor": {"en": "Only the work's owner or an admin may change it.", "zh": "只有作品所有者或管理员可以修改。"},
}


def format_number(value: float, locale: str) -> str:
    """A number as the viewer writes it (both languages group thousands with commas, CLDR)."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def format_datetime(value: datetime | None, locale: str) -> str:
    """A UTC time in the viewer's language: `4 Dec 2026, 13:40 UTC` or `2026年12月4日 13:40 UTC`."""
    if value is None:
        return "—"
    utc = value.astimezone(UTC)
    if locale == "zh":
        return f"{utc.year}年{utc.month}月{utc.day}日 {utc:%H:%M} UTC"
    return f"{utc.day} {_MONTHS[utc.month - 1]} {utc.year}, {utc:%H:%M} UTC"


def format_age(since: datetime | None, at: datetime, locale: str) -> str:
    """How long ago `since` was, in the largest whole unit: `3 h` / `3 小时`."""
    if since is None:
        return "—"
    seconds = max(0, int((at - since).total_seconds()))
    for size, en, zh in ((86400, "d", "天"), (3600, "h", "小时"), (60, "min", "分钟")):
        if seconds >= size:
            amount = seconds // size
            return f"{amount} {zh}" if locale == "zh" else f"{amount} {en}"
    return "刚刚" if locale == "zh" else "just now"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def translator(locale: str) -> Callable[[str], str]:
    """A function from message key to text in `locale` (English, then the key, as fallbacks)."""

    def t(key: str) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        return entry.get(locale) or entry.get("en") or key

    return t


def choose_locale(cookie: str | None, account: str | None, accept_language: str | None, default: str) -> str:
    """The interface language for one request."""
    for candidate in (cookie, account):
        if candidate in LOCALES:
            return candidate
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LOCALES:
            return primary
    return default if default in LOCALES else "en"
