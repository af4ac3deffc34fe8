import KoBERTFormat
import KoBERTRuntime
/// Sentences used to measure int8 against fp32 when no --calibration file is given: reviews,
/// news, questions and names, long and very short, so every head sees the kind of text it was trained on.
public enum CalibrationSample {
    public static let sentences: [String] = [
        "정말 재미있는 영화였어요. 배우들의 연기가 훌륭했습니다.",
        "시간이 아까운 영화. 스토리가 너무 지루하고 뻔하다.",
        "이순신 장군은 한산도 앞바다에서 일본 수군을 크게 물리쳤다.",
        "서울특별시는 내년부터 대중교통 요금을 인상한다고 발표했다.",
        "삼성전자는 오늘 새로운 스마트폰을 공개했다.",
        "대한민국의 수도는 어디인가요?",
        "세종대왕은 1443년에 훈민정음을 창제하였다.",
        "기대를 많이 했는데 생각보다 별로였어요 ㅠㅠ",
        "OST가 너무 좋아서 몇 번이나 다시 들었습니다!",
        "내일 부산에는 오후부터 비가 내릴 것으로 예상됩니다.",
        "김연아 선수는 2010년 밴쿠버 동계올림픽에서 금메달을 땄다.",
        "이 제품은 가격 대비 성능이 정말 좋네요. 강력 추천합니다.",
        "배송이 너무 늦고 포장도 엉망이었습니다.",
        "한국은행은 기준금리를 연 3.5%로 동결했다.",
        "아이들과 함께 보기에 딱 좋은 가족 영화입니다.",
        "연출은 좋았지만 결말이 너무 허무했다.",
        "제주도는 한국에서 가장 큰 섬이다.",
        "손흥민은 토트넘 홋스퍼에서 뛰는 축구 선수이다.",
        "지하철 2호선은 서울의 주요 지역을 순환한다.",
        "최고의 영화! 인생 영화로 꼽고 싶어요 10점 만점에 10점",
        "커피 한 잔의 여유를 즐기며 책을 읽었다.",
        "인공지능 기술은 의료와 교육 분야에서 빠르게 확산되고 있다.",
        // Short inputs: a few pieces give the encoder little to average over, and on held-out
        // reviews they are where int8 strays furthest from fp32, so the grids must see some.
        "최고",
        "노잼",
        "ㅋㅋㅋㅋ 대박",
        "돈 아까움",
        "그냥 그래요",
        "이게 뭐냐",
        "감동 그 자체",
        "별로..",
        "재밌다!!",
        "OO 배우 최고",
        "1점도 아깝다",
        "강추합니다",
        "서울",
        "누가 감독이야?",
    ]
}
