"""What went wrong, in the viewer's language: one title per error condition.

The stages raise errors whose messages name the exact value that was wrong (a file name,
a line number, a field) in English, the language of the logs and the CLI. A page shows the
condition's title in the viewer's language first and the stage's precise message under it,
so a Chinese-speaking user always reads what happened and what to do in Chinese.
`tests/web/test_error_titles.py` fails when an error class lacks a title in either language.
"""

from __future__ import annotations

from culturebridge.errors import Error

# class name -> (English, Chinese). Looked up along the class's MRO, so a stage's new
# subclass falls back to its family's title until it is given its own.
TITLES: dict[str, tuple[str, str]] = {
    "Error": ("Something went wrong.", "出现了问题。"),
    # --- invalid input
    "InvalidInput": ("The request has a value that is malformed or out of range.", "请求中有格式错误或超出范围的值。"),
    "UnsupportedMedia": ("This kind of file is not accepted, or it is not what its name says.", "不接受这种文件，或文件内容与其名称不符。"),
    "CorruptMedia": ("The file is damaged or truncated and cannot be read.", "文件已损坏或不完整，无法读取。"),
    "UndecodableMedia": ("The picture, sound or video could not be decoded.", "无法解码该图片、音频或视频。"),
    "FileTooLarge": ("The file is larger than the limit allows.", "文件超过了允许的大小上限。"),
    "RequestTooLarge": ("The request is larger than this page accepts.", "请求内容超过了此页面接受的大小。"),
    "ArchiveTooLarge": ("The document would unpack to more than the limit (a possible zip bomb).", "该文档解压后超过上限（可能是压缩炸弹）。"),
    "PictureTooLargeToDecode": ("This kind of picture is too large to decode safely; PNG or JPEG is decoded reduced.", "这种格式的图片过大，无法安全解码；PNG 或 JPEG 可缩小解码。"),
    "MediaTooLarge": ("The picture has more pixels than the safety limit allows.", "图片像素数超过了安全上限。"),
    "LineageCycle": ("This derivation would make a work its own ancestor.", "这一衍生关系会让作品成为自己的来源。"),
    "MalformedNote": ("The signed note or checkpoint is not in the expected format.", "签名注记或检查点的格式不正确。"),
    "MalformedClaim": ("The rights claim is malformed.", "权属声明格式不正确。"),
    "MalformedBundle": ("The evidence bundle is not in the documented format.", "证据包不符合文档规定的格式。"),
    "NoMediaContent": ("The file has no picture, frames or sound to fingerprint.", "文件中没有可提取指纹的画面、帧或声音。"),
    "MalformedFingerprint": ("A stored fingerprint is damaged or of another version.", "已存储的指纹已损坏或版本不符。"),
    "FingerprintFailed": ("Fingerprinting this file failed unexpectedly.", "为该文件提取指纹时意外失败。"),
    "InvalidLabel": ("The AI-content label value is malformed (GB 45438-2025 Annex E).", "AI 生成内容标识的取值格式不正确（GB 45438-2025 附录 E）。"),
    "CanonCardInvalid": ("The canon card cannot be read or does not validate.", "正典卡片无法读取或校验不通过。"),
    "LearnedModelInvalid": ("The learned review signal's weights file is missing or malformed.", "审核学习信号的权重文件缺失或格式不正确。"),
    "PolicyInvalid": ("The policy pack is malformed; nothing from it was applied.", "政策包格式不正确，未应用其中任何内容。"),
    "ReviewTextInvalid": ("The text to review is empty, too long or not text.", "待审核的文本为空、过长或不是文本。"),
    "UnsupportedLanguage": ("This language is not one we localize into or out of.", "不支持这种语言的本地化。"),
    "UndecodableText": ("The text is in none of the accepted encodings (UTF-8, UTF-16, GB18030).", "文本不属于可接受的编码（UTF-8、UTF-16、GB18030）。"),
    "MalformedSubtitles": ("The subtitle file cannot be parsed or has impossible timings.", "字幕文件无法解析或时间轴不合理。"),
    "MalformedExchangeFile": ("The XLIFF, TMX or TBX file cannot be read or lacks the languages asked for.", "XLIFF、TMX 或 TBX 文件无法读取，或缺少所需语言。"),
    "InvalidFeedRequest": ("The feed request is out of range.", "推荐流请求超出范围。"),
    "InvalidEventFile": ("The events file has a bad line; nothing from it was imported.", "事件文件中有错误的行，文件内容均未导入。"),
    "InvalidWeights": ("The index weights name an unknown indicator or a bad weight.", "指数权重中有未知指标或错误的权重。"),
    "InvalidAnalyticsExport": ("The analytics export has columns or values we do not accept.", "数据分析导出文件中有不接受的列或值。"),
    "InvalidExperiment": ("The experiment cannot be set up as asked.", "无法按要求设置该实验。"),
    "BriefRefused": ("The creation brief asks for what the policy forbids.", "创作要求包含政策禁止的内容。"),
    "QuestionSetInvalid": ("The audit question set is malformed.", "审计问题集格式不正确。"),
    "EndpointSpecInvalid": ("The endpoint must be written NAME=BASE_URL[@MODEL].", "端点须写作 NAME=BASE_URL[@MODEL]。"),
    # --- not found
    "NotFound": ("Not found.", "未找到。"),
    "WorkNotFound": ("No such work, or not one you may see.", "没有这个作品，或您无权查看。"),
    "AssetNotFound": ("No such file.", "没有这个文件。"),
    "IPNotFound": ("No such IP.", "没有这个 IP。"),
    "UserNotFound": ("No such user.", "没有这个用户。"),
    "JobNotFound": ("No such job, or not one you may see.", "没有这个任务，或您无权查看。"),
    "LeafNotFound": ("No such entry in the rights log.", "权属日志中没有这一条目。"),
    "WorkNotRegistered": ("The work has no claim in the rights log yet.", "该作品尚未在权属日志中登记。"),
    "ConflictNotFound": ("No such copy found, or not one you may decide.", "没有这条疑似侵权记录，或您无权处理。"),
    "CanonCardNotFound": ("There is no canon card for this IP.", "该 IP 没有正典卡片。"),
    "PolicyNotFound": ("No policy pack of that name.", "没有该名称的政策包。"),
    "ReviewItemMissing": ("No such review item.", "没有这个审核条目。"),
    "LocalizationNotFound": ("The work has no localization into this language.", "该作品没有这种语言的本地化版本。"),
    "UnknownMarket": ("The feed has not been built for this market.", "尚未为该市场生成推荐流。"),
    "RuleNotFound": ("No such automation rule.", "没有这条自动化规则。"),
    "DraftNotFound": ("No such draft.", "没有这份草稿。"),
    "AuditRunNotFound": ("No such audit run.", "没有这次审计运行。"),
    # --- conflicts with what is stored
    "Conflict": ("This clashes with what is already stored.", "与已存储的内容冲突。"),
    "DuplicateAsset": ("These exact bytes are already a file of this work.", "完全相同的文件已属于该作品。"),
    "LogInconsistent": ("The rights log does not extend its last signed checkpoint; nothing was signed.", "权属日志与上一个签名检查点不一致，未签署任何内容。"),
    "SourceNotRegistered": ("Register the source work before its derivative.", "请先登记来源作品，再登记衍生作品。"),
    "AlreadyRegistered": ("The work's newest claim already says exactly this.", "该作品的最新声明已是同样的内容。"),
    "LabelConflict": ("The file already carries a different AI-content label.", "该文件已带有不同的 AI 生成内容标识。"),
    "ReviewItemTaken": ("This review item cannot be claimed or decided by you now.", "您现在无法领取或决定这个审核条目。"),
    "AppealNotAllowed": ("This decision cannot be appealed.", "该决定不能申诉。"),
    "GenerationCancelled": ("The generation was cancelled; nothing was saved.", "生成已取消，未保存任何内容。"),
    "PublicationBlocked": ("The work cannot be published while its review decision is reject.", "审核结论为驳回时，作品不能发布。"),
    # --- permission
    "PermissionDenied": ("You are not allowed to do this.", "您无权执行此操作。"),
    "AuthenticationRequired": ("Please log in first.", "请先登录。"),
    # --- verification
    "VerificationFailed": ("The check did not pass.", "校验未通过。"),
    "ProofMismatch": ("The Merkle proof does not verify (RFC 9162).", "默克尔证明校验失败（RFC 9162）。"),
    "SignatureInvalid": ("The signature does not verify with the given key.", "签名无法用给定的公钥验证。"),
    "MediaCorrupt": ("A stored file's bytes no longer match their hash.", "已存储文件的内容与其哈希值不符。"),
    # --- outside services
    "ExternalServiceError": ("A tool or service we rely on failed.", "所依赖的工具或服务出错。"),
    "TimestampFailed": ("The timestamp authority refused or did not answer (RFC 3161).", "时间戳服务拒绝或未响应（RFC 3161）。"),
    "FingerprintToolFailed": ("ffmpeg or fpcalc failed while fingerprinting.", "提取指纹时 ffmpeg 或 fpcalc 出错。"),
    "C2paSigningError": ("The C2PA library refused to sign or read the manifest.", "C2PA 库拒绝签署或读取清单。"),
    "JudgeFailed": ("The AI judge did not answer usefully.", "AI 评审端点未给出可用的答复。"),
    "EngineFailed": ("The translation engine failed for this request.", "翻译引擎处理该请求时出错。"),
    "MediaStoreUnavailable": ("The media store cannot be reached.", "无法连接媒体存储。"),
    "EndpointFailed": ("The generation endpoint failed or could not be reached.", "生成端点出错或无法连接。"),
    "GenerationUnusable": ("The generation endpoint answered with something unusable.", "生成端点返回了无法使用的结果。"),
    # --- configuration
    "ConfigurationError": ("The platform is not configured for this.", "平台尚未为此配置。"),
    "DataDirNotInitialised": ("The data directory has not been set up yet.", "数据目录尚未初始化。"),
    "KeyFileError": ("A signing key file is missing or unusable.", "签名密钥文件缺失或不可用。"),
    "SigningCredentialsMissing": ("The label signing key or C2PA certificates are missing.", "缺少标识签名密钥或 C2PA 证书。"),
    "EngineUnavailable": ("No translation engine is configured for this.", "没有为此配置翻译引擎。"),
    "ExtraNotInstalled": ("This feature needs an optional part that is not installed.", "此功能需要安装一个尚未安装的可选组件。"),
    "DatasetUnavailable": ("An evaluation data set is missing or damaged.", "评估数据集缺失或已损坏。"),
    # --- try again later
    "Unavailable": ("The platform is busy; please try again shortly.", "平台繁忙，请稍后再试。"),
    "DatabaseBusy": ("Another change is being saved; please try again in a moment.", "另一项更改正在保存，请稍后再试。"),
    "RateLimited": ("Too many requests; please wait a moment.", "请求过于频繁，请稍候。"),
    "LinkNotValid": ("This link is not valid.", "此链接无效。"),
    "LinkAlreadyUsed": ("This link was already used.", "此链接已被使用。"),
    "LinkExpired": ("This link has expired.", "此链接已过期。"),
    "LastAdmin": ("The last active admin must stay an admin.", "最后一位在职管理员必须保留管理员身份。"),
    "TokenNotFound": ("No such API token.", "没有这个 API 令牌。"),
}


def explain(exc: Error, locale: str) -> str:
    """The condition's title in `locale`, then the stage's precise message and hint."""
    return f"{error_title(exc, locale)} — {exc.diagnostic()}"


def error_title(exc: Error, locale: str) -> str:
    """The title of `exc`'s condition in `locale` (English when the locale has none)."""
    index = 1 if locale == "zh" else 0
    for cls in type(exc).__mro__:
        entry = TITLES.get(cls.__name__)
        if entry is not None:
            return entry[index]
    return TITLES["Error"][index]
