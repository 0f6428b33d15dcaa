"""Corpus frames of ordinary news (no category), and year-in-review pieces (several categories)."""

from __future__ import annotations

from datetime import timedelta

from monitor.classification.corpus.builder import Doc
from monitor.classification.corpus.pools import Company, Politician


def personnel(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    day = doc.published
    title = f"{doc.date(day)}付 総務省人事"
    body = f"{doc.org('総務省')}は{doc.relative(doc.month_day(day), day.isoformat())}付の人事異動を発表しました。大臣官房審議官に情報流通行政局の参事官が就任します。"
    return title, body


def study_group(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    day = doc.published + timedelta(days=doc.rng.randint(3, 20))
    title = "電気通信市場の競争に関する研究会（第12回）の開催について"
    body = f"{doc.org('総務省')}は、電気通信市場の競争に関する研究会の第12回会合を{doc.date(day)}に開催します。議事は公開で、傍聴の申し込みを受け付けます。"
    return title, body


def weather(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    region = doc.pick("沖縄", "九州南部", "四国", "東海", "関東甲信")
    title = f"台風が接近 {region}で大雨のおそれ"
    body = (
        f"大型の台風が{doc.relative('あす', (doc.published + timedelta(days=1)).isoformat())}にかけて{region}地方に接近する見込みで、"
        f"{doc.org('気象庁')}は大雨や暴風への警戒を呼びかけています。交通機関への影響が出るおそれがあります。"
    )
    return title, body


def population(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    as_of = doc.published.replace(day=1)
    title = "人口推計 前年同月比で減少続く"
    body = f"{doc.org('総務省')}統計局によると、{doc.date(as_of)}現在の日本の総人口は前年同月に比べて約60万人減少しました。減少は14年連続です。"
    return title, body


def budget(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    focus = doc.pick("物価高対策", "防災・減災", "子育て支援", "能登半島の復興")
    title = f"補正予算案が成立 {focus}を盛り込む"
    body = (
        f"{focus}などを盛り込んだ補正予算案が国会で可決、成立しました。一般会計の総額は{doc.amount(doc.rng.randint(5, 15) * 10**12 + doc.rng.randint(1, 9) * 10**11)}で、"
        f"{doc.org('財務省')}は速やかな執行を目指すとしています。"
    )
    return title, body


def company_results(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    title = f"{doc.org(c.short)} 中間決算で過去最高益"
    body = (
        f"{doc.org(c.name)}が発表した中間決算は、売上高が{doc.amount(2 * 10**11 + 4 * 10**10)}、最終利益が{doc.amount(3 * 10**10)}で、"
        "いずれも過去最高となりました。データ通信の需要が伸びたということです。"
    )
    return title, body


def election_campaign(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    title = f"衆院選 {p.prefecture}の選挙区で論戦"
    body = (
        f"衆議院選挙で、{doc.district(p.district)}では{doc.org(p.party)}の前職、{doc.person(p.name)}氏らが立候補し、"
        "物価高対策や地域経済の活性化を訴えています。"
    )
    return title, body


def public_comment(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    deadline = doc.published + timedelta(days=30)
    title = "電波法施行規則の一部を改正する省令案に対する意見募集"
    body = f"{doc.org('総務省')}は、電波法施行規則の一部を改正する省令案について、{doc.date(deadline)}まで意見を募集します。"
    return title, body


def sports(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    event = doc.pick("全国高校野球選手権", "全国高校サッカー選手権", "春の選抜高校野球", "全日本大学駅伝")
    title = f"{event} {doc.pick('決勝は延長戦の末にサヨナラ勝ち', '初優勝', '大会新記録で優勝')}"
    body = f"{event}の決勝が行われ、{p.prefecture}県代表のチームが初優勝を果たしました。監督は「選手たちが最後まで粘ってくれた」と話していました。"
    return title, body


NEGATIVE_FRAMES = [
    personnel,
    study_group,
    weather,
    population,
    budget,
    company_results,
    election_campaign,
    public_comment,
    sports,
]


def year_in_review(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    title = f"{doc.relative('ことし', str(doc.published.year))}の情報通信・政治資金をめぐる主な出来事"
    body = (
        f"{doc.org('総務省')}は春に{doc.org(c.name)}に対し、顧客情報の漏えいをめぐって行政指導を行った。"
        f"夏には{doc.org(p.party)}の支部が、国の公共工事を受注した業者からの寄付{doc.amount(3 * 10**6)}を返金したことが明らかになった。"
        "秋には総務省が、都道府県と市区町村のCIO任命状況の調査結果を公表し、外部デジタル人材の登用が広がっていることが分かった。"
    )
    return title, body


def two_category_roundup(doc: Doc, p: Politician, c: Company) -> tuple[str, str]:
    title = "今週の行政ニュースまとめ"
    body = (
        f"{doc.org('金融庁')}は{doc.org(c.name)}に業務改善命令を出した。また、{doc.org(p.party)}の議員が代表を務める支部が、"
        f"補助金を受けた企業からの献金{doc.amount(10**6)}を返還した。"
    )
    return title, body


MULTI_FRAMES = [
    (year_in_review, ("donation_refund", "guidance_notice", "cio_survey")),
    (two_category_roundup, ("donation_refund", "guidance_notice")),
]
