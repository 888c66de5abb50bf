"""Build a tiny random Marian zh->en model and convert it to CTranslate2 (offline).

Run as a script: `python tiny_marian.py OUT_DIR`. Run in a subprocess by the test fixture
and the bench so torch/transformers warnings never reach pytest's warnings-as-errors.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SENTENCES_ZH = [
    "孙悟空大闹天宫。", "唐僧师徒四人去西天取经。", "猪八戒贪吃又懒惰。", "沙僧挑着行李。",
    "诸葛亮借东风。", "刘备三顾茅庐。", "关羽过五关斩六将。", "林黛玉葬花。", "贾宝玉衔玉而生。",
    "宋江在梁山聚义。", "武松打虎。", "端午节吃粽子，赛龙舟。", "中秋节赏月吃月饼。",
    "昆曲是百戏之祖。", "皮影戏在灯下演出。", "他走了一百零八里路。", "我们今天学习剪纸。",
]
SENTENCES_EN = [
    "Sun Wukong wreaks havoc in heaven.", "The monk and his three disciples go west for scriptures.",
    "Zhu Bajie is greedy and lazy.", "Sha Wujing carries the luggage.",
    "Zhuge Liang borrows the east wind.", "Liu Bei visits the thatched cottage three times.",
    "Guan Yu crosses five passes and slays six generals.", "Lin Daiyu buries the flowers.",
    "Jia Baoyu was born with jade in his mouth.", "Song Jiang gathers heroes at Liangshan.",
    "Wu Song kills the tiger.", "At the Dragon Boat Festival we eat zongzi and race dragon boats.",
    "At the Mid-Autumn Festival we admire the moon and eat mooncakes.",
    "Kunqu is the ancestor of a hundred operas.", "Shadow puppets perform under the lamp.",
    "He walked 108 li.", "Today we learn paper cutting.",
]


def build(out: Path) -> None:
    """Train sentencepiece models, build a random tiny Marian model, convert to CT2 int8."""
    import sentencepiece as spm
    import torch
    from ctranslate2.converters import TransformersConverter
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    hf = out / "hf"
    hf.mkdir(parents=True, exist_ok=True)
    for name, lines, size in (("source", SENTENCES_ZH, 120), ("target", SENTENCES_EN, 120)):
        corpus = out / f"{name}.txt"
        corpus.write_text("\n".join(lines * 3) + "\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(hf / name), vocab_size=size,
            character_coverage=1.0, model_type="unigram", hard_vocab_limit=False,
            unk_id=1, eos_id=0, pad_id=-1, bos_id=-1, unk_piece="<unk>", eos_piece="</s>",
            minloglevel=2,
        )
        (hf / f"{name}.model").rename(hf / f"{name}.spm")
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1, "<pad>": 2}
    for name in ("source", "target"):
        sp = spm.SentencePieceProcessor(model_file=str(hf / f"{name}.spm"))
        for i in range(sp.get_piece_size()):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    (hf / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(
        source_spm=str(hf / "source.spm"), target_spm=str(hf / "target.spm"),
        vocab=str(hf / "vocab.json"), source_lang="zh", target_lang="en",
    )
    tok.save_pretrained(str(hf))
    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=len(tok.get_vocab()) + 1, d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=512, pad_token_id=2, eos_token_id=0,
        decoder_start_token_id=2, forced_eos_token_id=0, share_encoder_decoder_embeddings=True,
    )
    model = MarianMTModel(config)
    model.save_pretrained(str(hf))
    ct2 = out / "ct2"
    TransformersConverter(str(hf)).convert(str(ct2), quantization="int8", force=True)
    for name in ("source", "target"):
        (ct2 / f"{name}.spm").write_bytes((hf / f"{name}.spm").read_bytes())


if __name__ == "__main__":
    build(Path(sys.argv[1]))
    print("ok")
