"""Corpus frames around political donations: refunds (positive) and what only looks like one."""

from __future__ import annotations

from datetime import timedelta

from monitor.classification.corpus.builder import Doc
from monitor.classification.corpus.pools import Politician


def _branch(doc: Doc, p: Politician) -> str:
    return doc.org(f"{p.party}{p.prefecture}県第{p.district.removeprefix(p.prefecture).removesuffix('区')}選挙区支部")


# Positive: a party branch, support group or political organisation returned / will return a donation.


def public_works_refund(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = f"{p.surname}{p.title.replace('衆議院', '')}が代表の政党支部 {doc.yen_text(amount)}の寄付を返金"
    election = doc.published.year - 3
    body = (
        f"衆議院{doc.district(p.district)}選出の{doc.person(p.name, p.title)}{p.title}が代表を務める{doc.org(p.party)}の支部が、"
        f"国の公共工事を受注していた地元の建設会社「{doc.org(builder)}」から受けた寄付{doc.amount(amount)}を返金しました。\n"
        f"寄付は衆議院選挙が行われた{doc.relative('3年前の10月', f'{election}-10')}にあり、公職選挙法は国と請負契約を結んでいる事業者が"
        "国政選挙に関して寄付することを禁じています。\n"
        f"事務所は「法律に抵触するとは考えていないが、道義的な観点から{doc.relative('きのう', (doc.published - timedelta(days=1)).isoformat())}付けで返金した」と説明しています。"
    )
    return title, body


def subsidy_refund(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = f"{doc.org(p.party)}支部 補助金交付先の企業からの献金 {doc.yen_text(amount)}を返還"
    body = (
        f"{doc.person(p.name, p.title)}{p.title}が支部長を務める{_branch(doc, p)}は、国の補助金の交付決定を受けていた"
        f"「{doc.org(builder)}」から受け取った献金計{doc.amount(amount)}を全額返還したと発表した。\n"
        "政治資金規正法は、補助金の交付決定を受けた会社が交付決定の通知から1年以内に政治活動に関する寄付をすることを禁じている。"
        "支部の会計責任者は「確認が不十分だった。今後は事前の確認を徹底する」とコメントした。"
    )
    return title, body


def cap_exceeded(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    excess = amount // 2
    title = f"政治団体が上限超える寄付を返金 {p.surname}氏の資金管理団体"
    body = (
        f"{doc.person(p.name, p.title)}{p.title}の資金管理団体「{doc.org(p.surname + '政経研究会')}」が、個人から受けた寄付のうち"
        f"年間の上限を超えた{doc.amount(excess)}を返金していたことが、公表された政治資金収支報告書で分かった。\n"
        f"団体によると、同じ人物から{doc.amount(amount)}の寄付を受けていたが、上限を超えていることに気付き、寄付した人に返金したという。"
    )
    return title, body


def will_return(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    day = doc.days_before(doc.rng.randint(20, 200))
    title = f"{p.surname}議員側 受注業者からの寄付 全額返金へ"
    body = (
        f"{doc.org(p.party)}の{doc.person(p.name, '衆議院議員')}衆議院議員側が、国の公共事業を請け負っていた建設会社から"
        f"{doc.date(day)}に受けた寄付{doc.amount(amount)}について、全額を返金する方針を明らかにしました。\n"
        f"{p.surname}議員の事務所は取材に対し「指摘を受けて確認したところ、受注の事実が分かった。速やかに返金する」としています。"
    )
    return title, body


def headline_only(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = f"【速報】{doc.org(p.party)}県連の支部 建設業者からの献金{doc.yen_text(amount)}を返金"
    body = f"{doc.org(p.party)}の支部が建設業者から受けた献金{doc.amount(amount)}を返金したことが関係者への取材で分かりました。詳しい経緯を調べています。"
    return title, body


def statement(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    day = doc.days_before(doc.rng.randint(1, 30))
    title = "寄附金の返還について（お知らせ）"
    body = (
        f"{_branch(doc, p)}（代表 {doc.person(p.name, '代表')}）は、{doc.date(day)}、政治資金収支報告書に記載した寄附のうち、"
        f"公職選挙法の規定により受けることのできない寄附{doc.amount(amount)}を寄附者に返還いたしました。\n"
        "関係者の皆様にご心配をおかけしたことをおわび申し上げます。今後は受領前の確認を徹底してまいります。"
    )
    return title, body


def local_assembly(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = f"{p.prefecture}県議の後援会 市の補助金受けた団体からの寄付を返金"
    body = (
        f"{p.prefecture}県議会の{doc.person(p.surname + '太一', '県議会議員', written=p.surname + '太一県議会議員')}の後援会が、"
        f"市から補助金を受けていた団体から寄付{doc.amount(amount)}を受け、その後、返金していたことが分かった。\n"
        "後援会の事務担当者は「補助金の交付を受けているとは知らなかった。返金は済ませた」と話している。"
    )
    return title, body


def two_branches(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    other = amount // 6 * 1
    title = "2つの政党支部 受注業者の寄付を相次いで返金"
    body = (
        f"{doc.person(p.name, p.title)}{p.title}と、同じ県選出の議員が代表を務める{doc.org(p.party)}の2つの支部が、"
        f"国の工事を請け負う業者から受けた寄付をそれぞれ返金したことが分かりました。返金額は{doc.amount(amount)}と"
        f"{doc.amount(other)}です。いずれの事務所も「道義的な責任から返金した」と説明しています。"
    )
    return title, body


POSITIVE_FRAMES = [
    public_works_refund,
    subsidy_refund,
    cap_exceeded,
    will_return,
    headline_only,
    statement,
    local_assembly,
    two_branches,
]


# Hard negatives: the same vocabulary, not a returned donation.


def only_considering(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = f"{p.surname}議員側 受注業者からの寄付 返金を検討"
    body = (
        f"{doc.person(p.name, '衆議院議員')}衆議院議員が代表を務める{doc.org(p.party)}の支部が、国の工事を受注する建設会社から"
        f"寄付{doc.amount(amount)}を受けていたことが分かりました。事務所は「事実関係を確認しており、返金するかどうかを含めて検討している」"
        "としていて、現時点で返金はしていません。"
    )
    return title, body


def report_corrected(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = f"{doc.org(p.party)}支部 政治資金収支報告書を訂正 寄付の記載漏れ"
    body = (
        f"{doc.person(p.name, p.title)}{p.title}が代表の{doc.org(p.party)}の支部が、企業から受けた寄付{doc.amount(amount)}を"
        "政治資金収支報告書に記載していなかったとして、報告書を訂正しました。寄付そのものは適法だとしていて、返金はしないということです。"
    )
    return title, body


def fare_refund(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    company = f"{builder.replace('建設', '').replace('土木', '').replace('工業', '').replace('組', '')}鉄道"
    title = f"{company} 運休の影響で特急料金を払い戻し"
    body = (
        f"{doc.org(company)}は、大雨による運休で影響を受けた利用者に、特急料金と指定席料金を全額払い戻すと発表した。"
        f"対象はおよそ2万人で、払い戻しの総額は{doc.amount(amount * 10, approximate=True)}にのぼる見込み。返金は駅の窓口で受け付ける。"
    )
    return title, body


def furusato(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    city = f"{p.prefecture}県の町"
    title = "町がふるさと納税の寄付金を返還 返礼品の基準違反で"
    body = (
        f"{city}が、返礼品の基準に違反したとして、ふるさと納税で受け入れた寄付金の一部{doc.amount(amount * 3)}を"
        "寄付した人たちに返還することになりました。町は「手続きに不備があった」として、対象者に通知を送る方針です。"
    )
    return title, body


def disaster_donation(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = "大雨被害の被災地へ義援金 地元企業が寄付"
    body = (
        f"建設会社「{doc.org(builder)}」が、大雨で被害を受けた地域の復旧に役立ててほしいと、義援金{doc.amount(amount)}を寄付しました。"
        "会社の担当者は「一日も早い復旧を願っている」と話しています。集まった義援金は被災した世帯に配分されます。"
    )
    return title, body


def donation_scandal_no_refund(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = f"受注業者から{doc.yen_text(amount)}の寄付 {p.surname}氏側「問題ない」"
    body = (
        f"{doc.person(p.name, p.title)}{p.title}が代表を務める{doc.org(p.party)}の支部が、国の公共工事を受注していた建設会社から"
        f"{doc.amount(amount)}の寄付を受けていたことが分かりました。事務所は「選挙に関する寄付ではなく、法律上の問題はない」"
        "として、返金する考えはないとしています。専門家からは返金すべきだという指摘も出ています。"
    )
    return title, body


def product_refund(doc: Doc, p: Politician, builder: str, amount: int) -> tuple[str, str]:
    title = "通販サイトで二重請求 購入者に返金へ"
    body = (
        "インターネット通販サイトで、システムの不具合により代金が二重に請求されていたことが分かり、運営会社は購入者に返金すると発表した。"
        f"対象はおよそ3000件で、返金額は合わせて{doc.amount(amount)}。運営会社はおわびのメールを送っている。"
    )
    return title, body


HARD_NEGATIVE_FRAMES = [
    only_considering,
    report_corrected,
    fare_refund,
    furusato,
    disaster_donation,
    donation_scandal_no_refund,
    product_refund,
]
