"""Corpus frames around local-government CIO and DX surveys: published figures of a survey of
prefectures and municipalities (positive), and CIO or survey news that is not that."""

from __future__ import annotations

from monitor.classification.corpus.builder import Doc


def _counts(doc: Doc) -> tuple[int, int, int, int]:
    prefectures = doc.rng.randint(30, 46)
    municipalities = doc.rng.randint(1100, 1500)
    return prefectures, 47 - prefectures, municipalities, 1741 - municipalities


# Positive


def mic_table(doc: Doc, city: str) -> tuple[str, str]:
    pref_yes, pref_no, muni_yes, muni_no = _counts(doc)
    as_of = (
        doc.published.replace(month=4, day=1)
        if doc.published.month > 4
        else doc.published.replace(year=doc.published.year - 1, month=4, day=1)
    )
    title = "地方公共団体におけるCIO及びCIO補佐官等の任命状況の調査結果"
    body = (
        f"{doc.org('総務省')}では、全ての都道府県及び市区町村を対象に、CIO及びCIO補佐官等の任命状況について調査を実施しました。\n"
        f"{doc.date(as_of)}時点\nCIOの任命\n都道府県\n"
        f"■ 任命している…{doc.figure('任命している', pref_yes)}\n■ 任命していない…{doc.figure('任命していない', pref_no)}\n市区町村\n"
        f"■ 任命している…{doc.figure('任命している', muni_yes):,}\n■ 任命していない…{doc.figure('任命していない', muni_no)}"
    )
    return title, body


def nhk_summary(doc: Doc, city: str) -> tuple[str, str]:
    _, _, muni_yes, _ = _counts(doc)
    share = round(muni_yes / 1741 * 100, 1)
    title = "自治体のCIO補佐官 外部デジタル人材の活用 7割超に"
    body = (
        f"自治体のデジタル化を進めるため、{doc.org('総務省')}が全国の自治体を対象に行った調査で、"
        f"CIO補佐官として外部のデジタル人材を任命している市区町村は{doc.figure('CIO補佐官として外部のデジタル人材を任命している市区町村', muni_yes):,}団体と、"
        f"全体の{share}%に上ることが分かりました。\n一方、小規模な町や村では人材の確保が難しいという声も多く、国は支援策を検討しています。"
    )
    return title, body


def dx_progress(doc: Doc, city: str) -> tuple[str, str]:
    done = doc.rng.randint(600, 900)
    title = "自治体DXの取組状況 調査結果を公表"
    body = (
        f"{doc.org('総務省')}は、地方公共団体における自治体DXの取組状況に関する調査結果を取りまとめ、公表しました。"
        f"全庁的なDX推進体制を構築した団体は{doc.figure('全庁的なDX推進体制を構築した団体', done)}団体で、"
        "前年度から増加しました。CIOの任命や外部人材の登用も進んでいます。"
    )
    return title, body


def other_body_survey(doc: Doc, city: str) -> tuple[str, str]:
    rate = doc.rng.randint(40, 70)
    title = f"市区町村の{rate}%がCIO補佐官を配置 民間団体の調査"
    body = (
        f"自治体の情報化を支援する{doc.org('地域情報化推進機構')}が全国の市区町村に行ったアンケート調査で、"
        f"CIO補佐官を配置している団体の割合が{rate}%に達したことが分かった。都道府県ではほぼすべてが配置しているという。"
    )
    return title, body


def headline_cio(doc: Doc, city: str) -> tuple[str, str]:
    trend = doc.pick("市区町村で任命進む", "小規模自治体で遅れ", "CIO補佐官の外部登用が増加", "都道府県はほぼ全て任命")
    title = f"自治体のCIO任命状況 総務省調査 {trend}"
    body = f"{doc.org('総務省')}は都道府県と市区町村の{doc.pick('CIO', 'CIOとCIO補佐官', 'CIO補佐官等')}の任命状況の調査結果を公表した。"
    return title, body


def talent_numbers(doc: Doc, city: str) -> tuple[str, str]:
    pref = doc.rng.randint(50, 90)
    muni = doc.rng.randint(900, 1400)
    title = "CIO補佐官等の任命人数 外部デジタル人材の活用人数の調査"
    body = (
        f"{doc.org('総務省')}の調査によると、CIO補佐官等の任命人数は都道府県で{pref}人、市区町村で{muni:,}人でした。\n"
        f"区分\t任命人数\n都道府県\t{doc.figure('都道府県', pref)}\n市区町村\t{doc.figure('市区町村', muni):,}"
    )
    return title, body


POSITIVE_FRAMES = [mic_table, nhk_summary, dx_progress, other_body_survey, headline_cio, talent_numbers]


# Hard negatives


def company_cio(doc: Doc, city: str) -> tuple[str, str]:
    industry, company = doc.rng.choice(
        [
            ("電機メーカー", "株式会社ほしぞら電機"),
            ("食品メーカー", "みのり食品株式会社"),
            ("商社", "株式会社あさひ物産"),
            ("小売り", "株式会社まちかどマート"),
        ]
    )
    title = f"大手{industry} 初のCIOに{doc.pick('外部人材', '元官僚', 'IT企業出身者')}を起用"
    body = (
        f"大手{industry}の{doc.org(company)}は、最高情報責任者（CIO）に外資系IT企業出身の人材を起用する人事を発表しました。"
        f"社内のDXを加速させるねらいで、就任は{doc.relative('来月', doc.month_offset(1))}の予定です。"
    )
    return title, body


def single_city(doc: Doc, city: str) -> tuple[str, str]:
    title = f"{city} 民間出身のCIO補佐官を任命"
    body = (
        f"{city}は、市のデジタル化を進めるため、IT企業で経験を積んだ民間出身の人材をCIO補佐官に任命しました。"
        "市長は「行政手続きのオンライン化を加速させたい」と話しています。"
    )
    return title, body


def cio_forum(doc: Doc, city: str) -> tuple[str, str]:
    event = doc.pick("自治体CIOフォーラム", "自治体DXセミナー", "CIO補佐官の研修会", "自治体デジタル人材シンポジウム")
    title = f"{event}を開催 {doc.pick('DX人材の育成を議論', '外部人材の活用を議論', '先進事例を共有')}"
    body = (
        f"全国の自治体でデジタル化を担当する職員らが集まる{event}が{doc.pick('都内', '大阪市内', 'オンライン')}で開かれ、"
        f"市区町村の担当者ら約{doc.rng.randint(1, 5)}00人が参加しました。会場ではDX人材の育成や外部人材の活用について意見が交わされました。"
    )
    return title, body


def company_survey(doc: Doc, city: str) -> tuple[str, str]:
    rate = doc.rng.randint(20, 50)
    title = f"企業のDX 専任のCIOを置く企業は{rate}%"
    body = (
        "民間の調査会社が上場企業を対象に行ったアンケート調査で、専任のCIOを置いている企業の割合は"
        f"{rate}%にとどまることが分かりました。デジタル人材の不足を課題に挙げる企業が多くなっています。"
    )
    return title, body


def local_disaster_survey(doc: Doc, city: str) -> tuple[str, str]:
    count = doc.rng.randint(800, 1200)
    title = "自治体の防災計画 見直し状況を調査"
    body = (
        f"{doc.org('消防庁')}が全国の市区町村を対象に行った調査で、地域防災計画を見直した団体は"
        f"{doc.figure('地域防災計画を見直した団体', count)}団体でした。避難所の運営体制の整備が課題となっています。"
    )
    return title, body


def local_finance_survey(doc: Doc, city: str) -> tuple[str, str]:
    subject, finding = doc.rng.choice(
        [
            ("財政状況", "実質公債費比率が基準を超えた団体はなかった"),
            ("ふるさと納税の受け入れ額", "受け入れ額が前年度を上回った団体が多かった"),
            ("窓口業務の民間委託の状況", "委託している団体が半数を超えた"),
            ("職員数", "職員数が前年度より減った団体が多かった"),
        ]
    )
    title = f"地方公共団体の{subject} 調査結果を公表"
    body = f"{doc.org('総務省')}は、都道府県と市区町村を対象にした{subject}の調査結果を公表しました。{finding}としています。"
    return title, body


def support_measures(doc: Doc, city: str) -> tuple[str, str]:
    measure = doc.pick(
        "外部人材の派遣にかかる費用を支援する新たな制度",
        "デジタル人材の人材バンク",
        "都道府県による人材の共同確保の仕組み",
        "研修の費用を補助する制度",
    )
    title = f"CIO補佐官の確保{doc.pick('進まず', 'に課題')} 総務省が自治体向け支援策"
    body = (
        f"{doc.org('総務省')}は、小規模な市町村でCIO補佐官などのデジタル人材の確保が難しいとして、{measure}を設けることになりました。"
        f"{doc.pick('来年度の予算案に関連経費を盛り込む方針です。', '都道府県を通じて周知する方針です。', '今後、詳しい要件を示すとしています。')}"
    )
    return title, body


def plan_revision(doc: Doc, city: str) -> tuple[str, str]:
    focus = doc.pick("CIOの役割を明確に", "外部人材の活用を重点に", "システム標準化の期限を明記", "人材育成の方針を追加")
    title = f"自治体DX推進計画を改定 {focus}"
    body = (
        f"{doc.org('総務省')}は、自治体DX推進計画を改定し、都道府県や市区町村のCIOが果たすべき役割や、"
        f"{doc.pick('外部デジタル人材との連携の進め方', '職員の育成方針', 'システム移行の手順')}を新たに示しました。"
    )
    return title, body


HARD_NEGATIVE_FRAMES = [
    support_measures,
    plan_revision,
    company_cio,
    single_city,
    cio_forum,
    company_survey,
    local_disaster_survey,
    local_finance_survey,
]
