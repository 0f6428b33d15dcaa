"""Corpus frames around administrative guidance: a regulator addressing guidance or an order to a
named company or body (positive), and the many 指導 / 勧告 / 命令 that are not that."""

from __future__ import annotations

from datetime import timedelta

from monitor.classification.corpus.builder import Doc
from monitor.classification.corpus.pools import Company


def _today(doc: Doc) -> str:
    return doc.relative("本日", doc.published.isoformat())


# Positive


def mic_release(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    reply = doc.published - timedelta(days=doc.rng.randint(10, 40))
    title = f"{c.name}に対する行政指導"
    body = (
        f"報道資料\n{doc.date(doc.published)}\n{c.name}に対する行政指導\n"
        f"{doc.org('総務省')}は、{_today(doc)}、{doc.org(c.name)}（代表取締役社長 {doc.person(c.ceo, '代表取締役社長')}、"
        f"法人番号 {doc.corporate(c.number)}、本社 {c.city}）に対し、通信の秘密の漏えい事案を踏まえ、再発防止策の徹底等について、"
        "文書により行政指導を行いました。\n1 経緯\n"
        f"{c.name}（以下「{doc.org(c.short)}」といいます。）は、委託先の作業員が顧客情報を不正に持ち出していた旨を報告しました。"
        f"{doc.date(reply)}付けの同社回答によれば、委託先の監督が十分ではなかったことが判明しました。\n2 措置の内容\n"
        "委託先の監督体制の見直し及び利用者対応の徹底を求め、その実施状況について報告するよう求めました。"
    )
    return title, body


def fsa_order(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"金融庁 {bank}に業務改善命令 不正融資問題で"
    body = (
        f"{doc.org('金融庁')}は、{doc.org(bank)}が審査体制の不備から不適切な融資を繰り返していたとして、銀行法に基づき"
        "業務改善命令を出しました。金融庁は経営責任の明確化や再発防止策を求め、1か月以内に改善計画を提出するよう命じています。\n"
        f"{bank}は「命令を厳粛に受け止め、信頼の回復に努める」とコメントしています。"
    )
    return title, body


def consumer_measures(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"消費者庁 {doc.org(c.short)}に措置命令 「効果」うたう広告に根拠なし"
    body = (
        f"{doc.org('消費者庁')}は、{doc.org(c.name)}が販売する健康食品の広告に合理的な根拠がなかったとして、"
        "景品表示法に基づく措置命令を出しました。同社に対し、一般消費者の誤認を排除するための周知や再発防止策の実施を命じています。"
    )
    return title, body


def ppc_recommendation(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"個人情報保護委員会 {doc.org(c.short)}に勧告"
    body = (
        f"{doc.org('個人情報保護委員会')}は{_today(doc)}、{doc.org(c.name)}に対し、個人情報保護法に基づく勧告を行いました。"
        "同社では約1万件の顧客データが外部から閲覧できる状態になっており、委員会は安全管理措置が不十分だったと指摘しています。"
    )
    return title, body


def transport_order(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    day = doc.published - timedelta(days=doc.rng.randint(1, 20))
    title = f"国土交通省 {doc.org(c.short)}に事業改善命令"
    body = (
        f"{doc.org('国土交通省')}は{doc.date(day)}、運転者の点呼を適切に行っていなかったとして、{doc.org(c.name)}に対し"
        "道路運送法に基づく輸送の安全確保命令を出しました。国土交通省は、同社の安全管理体制に重大な問題があるとしています。"
    )
    return title, body


def severe_warning_after_outage(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"総務省 {doc.org(c.short)}に厳重注意 大規模通信障害で"
    body = (
        f"{doc.relative('先月', doc.month_offset(-1))}発生した大規模な通信障害をめぐり、{doc.org('総務省')}は{doc.org(c.name)}に対し、"
        "再発防止策の徹底などを求める厳重注意を行いました。障害はおよそ14時間続き、約300万回線に影響が出ました。\n"
        f"{doc.org(c.short)}の{doc.person(c.ceo.split()[0], '社長')}社長は「ご迷惑をおかけし深くおわびする」と述べました。"
    )
    return title, body


def regional_bureau(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    bureau = doc.rng.choice(["関東総合通信局", "近畿総合通信局", "東海総合通信局"])
    title = f"{bureau} 無線局の不適切な運用で{doc.org(c.short)}を指導"
    body = (
        f"{doc.org(bureau)}は、{doc.org(c.name)}が免許の範囲を超えて無線局を運用していたとして、電波法に基づき文書で指導しました。"
        "同局は再発防止策を講じるとともに、その内容を報告するよう求めています。"
    )
    return title, body


def report_order(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"{regulator} {doc.org(c.short)}に報告徴求命令"
    body = (
        f"{doc.org(regulator)}は、{doc.org(c.name)}で顧客の預かり資産が流出した問題を受け、法令に基づく報告徴求命令を出した。"
        "流出の原因や被害の範囲、再発防止策について2週間以内に報告するよう求めている。"
    )
    return title, body


def headline_guidance(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"{doc.org(c.short)}に行政指導 総務省 個人情報漏えいで"
    body = f"{doc.org('総務省')}は{doc.org(c.name)}に行政指導を行いました。"
    return title, body


def surcharge_order(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    surcharge = doc.rng.choice([1200, 3500, 8800, 15000]) * 10**4
    verb = doc.rng.choice(["納付を命じました", "納付を命じる課徴金納付命令を出しました"])
    title = f"消費者庁 {doc.org(c.short)}に課徴金{doc.yen_text(surcharge)} 不当表示で"
    body = (
        f"{doc.org('消費者庁')}は、{doc.org(c.name)}がインターネット広告で根拠のない効果をうたっていたとして、"
        f"景品表示法に基づき課徴金{doc.amount(surcharge)}の{verb}。"
    )
    return title, body


def suspension_order(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    days = doc.rng.choice([7, 14, 30])
    title = f"{doc.org(c.short)}に事業停止命令 {doc.org('国交省')}"
    body = (
        f"{doc.org('国土交通省')}は、運転手の健康状態の確認を怠っていたとして、{doc.org(c.name)}に対し、"
        f"{days}日間の事業の停止を命じる行政処分を行いました。同社には事業停止命令の期間中、車両の使用が禁じられます。"
    )
    return title, body


POSITIVE_FRAMES = [
    surcharge_order,
    suspension_order,
    mic_release,
    fsa_order,
    consumer_measures,
    ppc_recommendation,
    transport_order,
    severe_warning_after_outage,
    regional_bureau,
    report_order,
    headline_guidance,
]


# Hard negatives


def guideline_explainer(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    subject = doc.pick(
        "個人情報の取扱い", "通信の秘密の保護", "広告表示", "利用者への説明", "委託先の管理", "サイバーセキュリティ対策"
    )
    document = doc.pick("ガイドラインの解説", "指針", "手引き", "Q&A集")
    author = doc.pick("総務省", "個人情報保護委員会", "消費者庁", "経済産業省")
    title = f"{subject}に関する{document}を{doc.pick('改訂', '公表', '策定')}"
    body = (
        f"{doc.org(author)}は、事業者が守るべき{subject}に関する{document}を{doc.pick('改訂しました', '公表しました', 'まとめました')}。"
        f"{doc.pick('行政指導の対象となる事例', '勧告や命令に至った過去の事例', '指導の際に確認する項目')}について、具体例を増やして分かりやすく説明しています。"
    )
    return title, body


def reporting_lifted(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"{doc.org(c.short)}への業務改善命令に基づく報告義務を解除"
    body = (
        f"{doc.org(regulator)}は、{doc.org(c.name)}に出していた業務改善命令に基づく定期的な報告の義務を解除すると発表した。"
        "改善計画の実施が確認できたとしている。"
    )
    return title, body


def consumer_caution(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    scam = doc.pick(
        "「未払い料金がある」とする偽のSMS",
        "宅配業者をかたる偽メール",
        "架空請求の電話",
        "投資をうたう偽の広告",
        "高額な解約料を求める勧誘",
    )
    author = doc.pick("消費者庁", "国民生活センター", "総務省", "警察庁")
    title = f"{scam}に注意 {author}が{doc.pick('注意喚起', '呼びかけ')}"
    body = (
        f"{doc.org(author)}は、{scam}による被害の相談が{doc.pick('相次いでいる', '急増している', '各地で寄せられている')}として、"
        "消費者に注意を呼びかけています。心当たりがない場合は応じず、相談窓口に連絡するよう求めています。"
    )
    return title, body


def outage_report(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    title = f"{doc.org(c.short)}で通信障害 一部地域でつながりにくく"
    body = (
        f"{doc.org(c.name)}で{_today(doc)}午前、携帯電話がつながりにくくなる障害が発生しました。"
        "同社は原因を調べていて、総務省は詳しい状況の報告を受けることにしています。現在は復旧作業が続いています。"
    )
    doc.org("総務省")
    return title, body


def personnel_recommendation(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    years = doc.rng.randint(2, 4)
    title = f"人事院勧告 国家公務員の{doc.pick('月給', 'ボーナス', '初任給')} {years}年連続で引き上げ"
    body = (
        f"{doc.org('人事院')}は、国家公務員の{doc.pick('月給とボーナス', '初任給', '月例給')}を引き上げるよう国会と内閣に勧告しました。"
        f"民間企業の賃上げを反映したもので、勧告どおり実施されれば年間給与は平均で約{doc.rng.randint(2, 5)}%増える見込みです。"
    )
    return title, body


def school_guidance(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    club = doc.pick("運動部", "野球部", "吹奏楽部", "バスケットボール部", "陸上部")
    school = doc.pick("県立高校", "市立中学校", "私立高校")
    penalty = doc.pick("減給の懲戒処分", "戒告処分", "停職1か月の懲戒処分")
    title = f"{club}で行き過ぎた指導 {doc.pick('教育委員会が顧問を処分', '顧問の教諭を処分', '校長を厳重注意')}"
    body = (
        f"{school}の{club}で、顧問の教諭が生徒に{doc.pick('長時間の練習を強いる', '暴言を浴びせる', '体罰を加える')}など不適切な指導を繰り返していたとして、"
        f"教育委員会は顧問を{penalty}にし、校長を厳重注意としました。教育委員会は指導の在り方について研修を行う方針です。"
    )
    return title, body


def sports_coaching(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    sport, skill = doc.rng.choice(
        [
            ("サッカー", "ドリブルやシュート"),
            ("野球", "バッティングや守備"),
            ("バレーボール", "サーブやレシーブ"),
            ("柔道", "受け身や投げ技"),
            ("水泳", "クロールの泳ぎ方"),
        ]
    )
    coach = doc.pick("元日本代表の選手", "プロのコーチ", "オリンピックのメダリスト")
    title = f"{coach}が子どもたちに指導 {sport}教室"
    body = (
        f"{coach}が地元の{doc.pick('小学生', '中学生', '子どもたち')}に{sport}を指導する教室が開かれました。参加した子どもたちは{skill}の"
        f"指導を受け、「{doc.pick('プロの技を間近で見られてうれしかった', 'もっと上手になりたい', '教えてもらったことを練習したい')}」と話していました。"
    )
    return title, body


def health_guidance(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    kind = doc.pick("特定保健指導", "栄養指導", "服薬指導", "禁煙指導")
    rate = doc.rng.randint(2, 6)
    title = f"{kind}の実施率 {doc.pick('目標に届かず', '伸び悩み', 'わずかに上昇')}"
    body = (
        f"{doc.org('厚生労働省')}のまとめによると、{kind}の実施率は全国平均で約{rate}割にとどまり、"
        f"国の目標を下回りました。厚生労働省は{doc.pick('保険者', '医療機関', '自治体')}に対し実施率の向上を要請しています。"
    )
    return title, body


def broad_request(doc: Doc, c: Company, regulator: str, bank: str) -> tuple[str, str]:
    audience, matter = doc.rng.choice(
        [
            ("全国の学校", "熱中症対策の徹底"),
            ("都道府県と市区町村", "システム標準化の期限内の移行"),
            ("通信事業者の業界団体", "詐欺電話対策の強化"),
            ("全国の教育委員会", "いじめへの早期対応"),
        ]
    )
    ministry = doc.rng.choice(["文部科学省", "総務省", "厚生労働省"])
    title = f"{ministry} {audience}に{matter}を要請"
    body = (
        f"{doc.org(ministry)}は、{audience}に対し、{matter}を求める通知を出しました。"
        "特定の事業者や団体の問題を指摘したものではなく、全国一律の取り組みを促すためだとしています。"
    )
    return title, body


HARD_NEGATIVE_FRAMES = [
    broad_request,
    guideline_explainer,
    reporting_lifted,
    consumer_caution,
    outage_report,
    personnel_recommendation,
    school_guidance,
    sports_coaching,
    health_guidance,
]
