"""Hand-written hard cases for tokenizer parity (imported by make_fixtures.py).

Each entry is one input text; they may contain any code point, including newlines and NUL, since
fixtures are stored as JSON.
"""

ADVERSARIAL = [
    # empty and whitespace-only
    "", " ", "   ", "\t", "\t \t", "\u3000", "\u00a0", "\u2028\u2029", "\x1c\x1d\x1e\x1f", "\n", " \r\n ",
    # whitespace inside
    "안녕\t하세요", "안녕   하세요", "  앞뒤 공백  ", "탭\t\t\t여러개", "줄\n바꿈", "\u3000전각\u3000공백\u3000",
    "NBSP\u00a0사이", "얇은\u2009공백", "\u200b제로폭공백\u200b", "조이너\u200d없음", "\ufeffBOM으로 시작",
    "소프트\u00ad하이픈", "방향\u200e표시\u200f", "\x00널문자", "벨\x07소리", "DEL\x7f문자", "C1\x85다음줄",
    # compatibility jamo, conjoining jamo, syllables
    "ㅋㅋㅋㅋ", "ㅠㅠ", "ㅋㅋ 진짜 웃기다 ㅎㅎ", "ㅏㅑㅓㅕ", "ㄱㄴㄷㄹ", "각", "ᄒᆞᆫ", "ᅟᅠ", "ㅋ" * 300,
    "한글 ᄒᆞᆫ글 옛한글", "똠방각하 펲시콜라", "힣 가 ᄀ",
    # combining marks
    "café", "cafe\u0301", "\u0301시작부터 결합문자", "e\u0308\u0301\u0323", "ñandú", "Å Å", "ά",
    "a\u0338b", "\u20dd원", "한\u0301글",
    # fullwidth and other compatibility forms
    "ＡＢＣ　ａｂｃ　１２３", "１，０００원", "（괄호）［대괄호］", "ｶﾀｶﾅ ﾊﾟﾋﾟ", "ﬁ ﬂ ﬀ", "Ⅻ ⅻ ½ ¼ ²³",
    "㈜삼성 ㈔협회 ㉿", "℃ ℉ № ™", "㎞ ㎏ ㎖", "①②③ ⑴⑵", "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ", "＂따옴표＂",
    # quotes
    "``인용''", "``안녕하세요''라고 했다", "```세개'''", "'단따옴표'", "''", "``", "`'`'", "“곡선”‘따옴표’", "＇＇전각＇＇",
    # digits and commas
    "1,000,000", "1,000,000원", "가격은 1,000원", "12,", "1,", ",1,", "a1,b2,c3,", "2,3,4,5,", "0,", "1,2",
    "1, 2, 3", "١,٢,٣", "३,", "²,", "①,", "１，", "▁1,", "1,▁", "7,8,9,10,", "100,000,000,000,000", "3.14,",
    # special tokens in the text
    "[CLS]안녕", "[SEP]", "[PAD][PAD]", "a[MASK]b", "[UNK] 모름", "[CLS][SEP][MASK][PAD][UNK]", "[cls]",
    "[MASK", "MASK]", "[[CLS]]", "[CLS ]", " [SEP] ", "문장[SEP]문장", "［ＣＬＳ］", "[CLS]\t[SEP]",
    "<s></s><unk>", "<pad>", "▁", "▁▁▁", "a▁b", "▁시작",
    # emoji, ZWJ sequences, flags, keycaps, variation selectors
    "😀", "😀😀😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🇰🇷🇺🇸", "1️⃣", "❤️", "☺︎", "영화 최고👍👍",
    "🤣🤣ㅋㅋㅋ", "\U0001F9D1\u200d\U0001F4BB 개발자",
    # other scripts
    "中文字符測試", "日本語のテキスト", "Ελληνικά ΣΑΣ", "русский текст", "עברית", "العربية", "हिन्दी", "ไทย",
    "漢字와 한글", "王추천", "𠀀𠀁 확장한자",
    # long words and inputs
    "가" * 2000, "abcdefghij" * 200, "하" * 50 + " " + "ㅋ" * 50, ("긴 문장입니다. " * 200).strip(),
    "a" * 1000, "1" * 500 + ",", "!" * 300, "." * 300,
    # mixed
    "Hello, World!", "HTML <b>태그</b> & 엔티티 &amp;", "이메일 test@example.com", "URL https://ko.wikipedia.org/wiki/위키",
    "해시태그 #영화 @사용자", "C++ / C# / F#", "1+1=2", "50% 할인!!!", "3:2 승리", "2018-11-27",
    "뻔한 스토리지만, 택시 시리즈는 괜찮음..6점", "007의 신호탄.유치하게 보일수 있지만 王추천",
]

LOWERCASE_EXTRA = [
    "ABC Def", "ΣΑΣ ΟΔΟΣ", "İstanbul", "ẞ straße", "Ǆ ǅ", "ＡＢＣ", "HELLO 세계", "ΌΣΟΣ.", "AΣ", "Σ",
]
