"""The interface's message catalog (English and Chinese) and the choice of language.

Language is chosen per request: the `lang` cookie (set by the switcher), then the
account's locale, then the browser's Accept-Language, then the `default_locale` setting.
"""

from __future__ import annotations

from collections.abc import Callable

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
}


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
