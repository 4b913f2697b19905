"""Demo organisations, people and memberships (see :mod:`duijie.core.demo`).

Universities carry their real public names (with descriptions marked as demo profiles); every
enterprise, investor, park body and agency is fictional, so that no demo demand or deal is ever
attributed to a real company. Chinese organisations carry unified social credit codes that pass
GB 32100 (both check characters computed), with a registration authority, category and division
that fit the organisation; UK and Russian ones carry a registration number instead.

Named objects for later loaders: ``user.<key>`` and ``org.<key>`` for every entry below, e.g.
``ctx["user.broker"]``, ``ctx["user.researcher"]``, ``ctx["org.xjtlu"]``, ``ctx["org.robotics"]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.utils import timezone

from duijie.accounts.enums import MembershipRole, OrganisationType, PlatformRole
from duijie.accounts.models import Membership, Organisation, User
from duijie.accounts.services import (
    membership_add,
    organisation_create,
    organisation_set_verified,
    user_set_platform_role,
)
from duijie.accounts.validators import org_code_check_char, uscc_check_char
from duijie.core.demo import DEMO_EMAIL_DOMAIN, DemoContext
from duijie.taxonomy.models import Region

ADMIN = MembershipRole.ADMIN
MEMBER = MembershipRole.MEMBER
DEMO_NOTE_ZH = "（演示资料，非官方信息。）"
DEMO_NOTE_EN = "(Demo profile, not official information.)"


def demo_uscc(prefix: str, org_code: str) -> str:
    """A unified social credit code from its first 8 characters and an 8-character organisation code.

    ``prefix``: registration authority and category (``12`` public institution, ``52`` private
    non-enterprise unit, ``91`` company) followed by the 6-digit division code. The GB 11714
    check character of the organisation code and the GB 32100 check character are computed.
    """
    body = prefix + org_code + org_code_check_char(org_code)
    return body + uscc_check_char(body)


def demo_ogrn(first12: str) -> str:
    """A Russian primary state registration number (ОГРН, 13 digits) with its check digit."""
    return first12 + str(int(first12) % 11 % 10)


@dataclass(frozen=True)
class UserSpec:
    key: str
    local_part: str
    full_name: str
    language: str
    job_title: str
    memberships: tuple[tuple[str, str], ...] = ()
    platform_role: str = PlatformRole.NONE
    superuser: bool = False

    @property
    def email(self) -> str:
        return f"{self.local_part}@{DEMO_EMAIL_DOMAIN}"


@dataclass(frozen=True)
class OrganisationSpec:
    key: str
    name: str
    name_en: str
    kind: str
    region: str
    admin: str  # the key of the user who creates it and becomes its administrator
    description: str
    website: str
    uscc: str = ""
    registration_number: str = ""

    @property
    def country(self) -> str:
        return self.region.split("-", 1)[0]


USERS: tuple[UserSpec, ...] = (
    # Platform staff.
    UserSpec("operator", "operator", "王静", "zh-hans", "平台运营主管",
             platform_role=PlatformRole.OPERATOR, superuser=True),
    # Universities.
    UserSpec("tto", "tto", "刘洋", "zh-hans", "技术转移中心主任", (("xjtlu", ADMIN),)),
    UserSpec("researcher", "researcher", "张晓岚", "zh-hans", "副教授，智能工程学院", (("xjtlu", MEMBER),)),
    UserSpec("ujs_tto", "ujs.tto", "马立群", "zh-hans", "技术转移中心副主任", (("ujs", ADMIN),)),
    UserSpec("ujs_researcher", "ujs.pharma", "冯婉清", "zh-hans", "教授，药学院", (("ujs", MEMBER),)),
    UserSpec("njust", "njust", "何志远", "zh-hans", "科学技术研究院成果转化办公室主任", (("njust", ADMIN),)),
    UserSpec("njtech", "njtech", "钱悦", "zh-hans", "技术转移中心副主任", (("njtech", ADMIN),)),
    UserSpec("uestc", "uestc", "罗晨", "zh-hans", "成果转化专员，集成电路科学与工程学院", (("uestc", ADMIN),)),
    UserSpec("liverpool", "liverpool", "James Thornton", "en", "IP Commercialisation Manager",
             (("liverpool", ADMIN),)),
    UserSpec("uk_researcher", "uk-researcher", "Sarah Whitfield", "en",
             "Senior Lecturer, School of Engineering", (("liverpool", MEMBER),)),
    UserSpec("swansea", "swansea", "Rhys Llewellyn", "en", "Innovation and Engagement Manager",
             (("swansea", ADMIN),)),
    # Institutes and the overseas centre.
    UserSpec("nano", "nano", "沈一鸣", "zh-hans", "研究员，纳米器件研究部", (("nano_institute", ADMIN),)),
    UserSpec("ru_director", "ru", "Андрей Викторович Соколов", "ru",
             "Директор по международному трансферу технологий", (("ru_centre", ADMIN),)),
    UserSpec("liaison", "liaison", "林怡君", "zh-hant", "國際技術合作聯絡專員", (("ru_centre", MEMBER),)),
    # Enterprises (fictional).
    UserSpec("enterprise_admin", "enterprise-admin", "孙建华", "zh-hans", "总经理", (("robotics", ADMIN),)),
    UserSpec("enterprise_member", "enterprise", "周凯", "zh-hans", "焊接工艺研发工程师", (("robotics", MEMBER),)),
    UserSpec("pharma", "kangyuan", "唐慧", "zh-hans", "研发副总裁", (("pharma", ADMIN),)),
    UserSpec("environment", "luyuan", "许国栋", "zh-hans", "总工程师", (("environment", ADMIN),)),
    UserSpec("chips", "xinlian", "邓宇航", "zh-hans", "首席技术官", (("chips", ADMIN),)),
    UserSpec("pv", "guangchu", "蒋文博", "zh-hans", "技术总监", (("pv", ADMIN),)),
    UserSpec("uav", "yuanhang", "顾晨阳", "zh-hans", "创始人、首席执行官", (("uav", ADMIN),)),
    # Investor, park and transfer agency (fictional).
    UserSpec("investor", "investor", "黄雅琪", "zh-hans", "投资总监", (("investor", ADMIN),)),
    UserSpec("park", "park", "吴磊", "zh-hans", "科技服务部经理", (("park", ADMIN),)),
    UserSpec("commissioner", "commissioner", "赵敏", "zh-hans", "科技专员", (("park", MEMBER),),
             platform_role=PlatformRole.COMMISSIONER),
    UserSpec("agency", "agency", "郑海燕", "zh-hans", "服务中心主任", (("agency", ADMIN),)),
    UserSpec("broker", "broker", "陈立新", "zh-hans", "高级技术经纪人", (("agency", MEMBER),),
             platform_role=PlatformRole.BROKER),
)


ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    # --- Chinese universities (real public names; demo profiles) -----------------------------
    OrganisationSpec(
        "xjtlu", "西交利物浦大学", "Xi'an Jiaotong-Liverpool University", OrganisationType.UNIVERSITY,
        "CN-320500", "tto",
        "西交利物浦大学位于苏州工业园区独墅湖科教创新区，由西安交通大学和英国利物浦大学合作创办。"
        "学校技术转移中心面向先进制造、医疗健康和环境工程三个领域，通过在线技术展厅、云路演和点对点对接，"
        "把中英两国高校的科研成果介绍给长三角企业。" + DEMO_NOTE_ZH + "\n\n"
        "Xi'an Jiaotong-Liverpool University, in the Dushu Lake Science and Education Innovation District of "
        "Suzhou Industrial Park, was founded by Xi'an Jiaotong University and the University of Liverpool. "
        "Its technology-transfer centre brings research from Chinese and UK universities to companies in the "
        "Yangtze River Delta through an online exhibition hall, cloud roadshows and one-to-one docking, in "
        "advanced manufacturing, healthcare and environmental engineering. " + DEMO_NOTE_EN,
        "https://xjtlu.example.org", uscc=demo_uscc("52320000", "50887163"),
    ),
    OrganisationSpec(
        "ujs", "江苏大学", "Jiangsu University", OrganisationType.UNIVERSITY, "CN-321100", "ujs_tto",
        "江苏大学位于江苏省镇江市，在农业工程、流体机械、材料科学和药学等学科与企业开展产学研合作，"
        "技术转移中心负责成果登记、专利运营和校企对接。" + DEMO_NOTE_ZH + "\n\n"
        "Jiangsu University, in Zhenjiang, works with industry in agricultural engineering, fluid machinery, "
        "materials science and pharmacy; its technology-transfer centre registers achievements, manages "
        "patents and arranges university–enterprise docking. " + DEMO_NOTE_EN,
        "https://ujs.example.org", uscc=demo_uscc("12320000", "46600341"),
    ),
    OrganisationSpec(
        "njust", "南京理工大学", "Nanjing University of Science and Technology", OrganisationType.UNIVERSITY,
        "CN-320100", "njust",
        "南京理工大学位于南京市，在机械工程、光学工程、控制科学和化学工程等领域开展科研，"
        "面向智能制造、光电检测和新材料方向推动成果转化。" + DEMO_NOTE_ZH + "\n\n"
        "Nanjing University of Science and Technology carries out research in mechanical, optical, control "
        "and chemical engineering, and transfers results in intelligent manufacturing, optoelectronic "
        "inspection and new materials. " + DEMO_NOTE_EN,
        "https://njust.example.org", uscc=demo_uscc("12100000", "46601072"),
    ),
    OrganisationSpec(
        "njtech", "南京工业大学", "Nanjing Tech University", OrganisationType.UNIVERSITY, "CN-320100", "njtech",
        "南京工业大学以化工、材料和生物制造见长，在膜分离、钙钛矿光伏材料和工业生物技术等方向"
        "与企业共建研发平台、开展技术许可与合作开发。" + DEMO_NOTE_ZH + "\n\n"
        "Nanjing Tech University is known for chemical engineering, materials and bio-manufacturing; it "
        "builds joint R&D platforms with companies and licenses technology in membrane separation, "
        "perovskite photovoltaic materials and industrial biotechnology. " + DEMO_NOTE_EN,
        "https://njtech.example.org", uscc=demo_uscc("12320000", "46600858"),
    ),
    OrganisationSpec(
        "uestc", "电子科技大学", "University of Electronic Science and Technology of China",
        OrganisationType.UNIVERSITY, "CN-510100", "uestc",
        "电子科技大学位于四川省成都市，在集成电路、射频微波、通信与电子信息领域开展研究，"
        "通过“科学家进园区”等活动向企业发布芯片与微系统方向的科技成果。" + DEMO_NOTE_ZH + "\n\n"
        "The University of Electronic Science and Technology of China, in Chengdu, researches integrated "
        "circuits, RF and microwave engineering and communications, and presents chip and micro-system "
        "results to companies at events such as 'scientists into the park'. " + DEMO_NOTE_EN,
        "https://uestc.example.org", uscc=demo_uscc("12100000", "45071592"),
    ),
    # --- UK universities ------------------------------------------------------------------------
    OrganisationSpec(
        "liverpool", "University of Liverpool", "University of Liverpool", OrganisationType.UNIVERSITY,
        "GB-LIV", "liverpool",
        "A research-intensive university in Liverpool with strengths in materials chemistry, engineering, "
        "infection and global health. Its business gateway connects researchers with companies in the UK "
        "and, through the Jiangsu–UK university alliance, in China. " + DEMO_NOTE_EN,
        "https://liverpool.example.org", registration_number="RC000658",
    ),
    OrganisationSpec(
        "swansea", "Swansea University", "Swansea University", OrganisationType.UNIVERSITY, "GB-SWA", "swansea",
        "A university in Swansea, Wales, with a science and innovation campus on the waterfront; research "
        "strengths include advanced materials, energy-positive buildings, medical engineering and "
        "computational engineering. " + DEMO_NOTE_EN,
        "https://swansea.example.org", registration_number="RC000766",
    ),
    # --- Research institutes ----------------------------------------------------------------------
    OrganisationSpec(
        "nano_institute", "苏州纳米技术研究所（示例）", "Suzhou Institute of Nanotechnology (demo)",
        OrganisationType.RESEARCH_INSTITUTE, "CN-320500", "nano",
        "虚构的示例研究机构，位于苏州工业园区，研究纳米材料、微纳器件、柔性电子和纳米生物传感，"
        "并通过中试平台和路演把成果推向产业化。\n\n"
        "A fictional demo institute in Suzhou Industrial Park working on nanomaterials, micro/nano devices, "
        "flexible electronics and nano-biosensing, taking results to industry through a pilot line and "
        "roadshows.",
        "https://nano-institute.example.org", uscc=demo_uscc("12320594", "50803327"),
    ),
    OrganisationSpec(
        "ru_centre", "Институт материаловедения и инноваций (демо)",
        "Institute of Materials Science and Innovation (demo)", OrganisationType.OVERSEAS_CENTRE, "RU-MOW",
        "ru_director",
        "Вымышленный демонстрационный институт в Москве: отбирает разработки научных коллективов в области "
        "новых материалов, биомедицины, искусственного интеллекта и высокотехнологичного оборудования и "
        "помогает перенести их в дельту реки Янцзы — совместные лаборатории, совместная разработка, "
        "пилотное производство и охрана интеллектуальной собственности.\n\n"
        "A fictional demo institute in Moscow that screens research teams' technologies in new materials, "
        "biomedicine, artificial intelligence and high-end equipment and brings them to the Yangtze River "
        "Delta: joint laboratories, co-development, pilot production and IP protection.\n\n"
        "虛構的示範機構：作為跨境技術轉移的「超級連接器」，連接俄羅斯科研團隊與長三角企業。",
        "https://materials-ru.example.org", registration_number=demo_ogrn("102773915226"),
    ),
    # --- Enterprises (fictional) -----------------------------------------------------------------
    OrganisationSpec(
        "robotics", "苏州智造精工机器人有限公司", "Suzhou Zhizao Precision Robotics Co., Ltd.",
        OrganisationType.ENTERPRISE, "CN-320500", "enterprise_admin",
        "虚构的示例企业。研发和生产钢结构智能焊接机器人、激光视觉焊缝跟踪系统和焊接工作站，"
        "客户覆盖钢结构、工程机械和船舶行业；正在寻找厚板多层多道焊路径规划与焊缝质量在线检测方面的合作团队。\n\n"
        "A fictional demo company making intelligent welding robots for steel structures, laser-vision seam "
        "tracking and welding cells; looking for partners in multi-pass path planning for thick plate and "
        "in-line weld-quality inspection.",
        "https://zhizao-robotics.example.org", uscc=demo_uscc("91320594", "MA1W7K3D"),
    ),
    OrganisationSpec(
        "pharma", "江苏康源生物医药有限公司", "Jiangsu Kangyuan Biopharmaceutical Co., Ltd.",
        OrganisationType.ENTERPRISE, "CN-321200", "pharma",
        "虚构的示例企业。专注肿瘤免疫治疗药物、细胞治疗配套药物和多糖类药用辅料的研发与生产，"
        "希望与高校在临床前研究、工艺放大和质量标准方面合作。\n\n"
        "A fictional demo company developing cancer immunotherapy drugs, companion drugs for cell therapy and "
        "polysaccharide pharmaceutical excipients; seeks university partners for pre-clinical research, "
        "process scale-up and quality standards.",
        "https://kangyuan-bio.example.org", uscc=demo_uscc("91321200", "MA1P4G8R"),
    ),
    OrganisationSpec(
        "environment", "无锡绿源环境工程有限公司", "Wuxi Lüyuan Environmental Engineering Co., Ltd.",
        OrganisationType.ENTERPRISE, "CN-320200", "environment",
        "虚构的示例企业。提供工业废水处理、河湖生态修复和固废资源化的工程与装备，"
        "曾以“揭榜挂帅”方式公开征集高盐废水低能耗处理技术。\n\n"
        "A fictional demo company building plants and equipment for industrial wastewater treatment, river "
        "and lake restoration and solid-waste recovery; it has run an open challenge for low-energy "
        "treatment of high-salinity wastewater.",
        "https://luyuan-env.example.org", uscc=demo_uscc("91320214", "MA1Y2C6L"),
    ),
    OrganisationSpec(
        "chips", "成都芯联微电子有限公司", "Chengdu Xinlian Microelectronics Co., Ltd.",
        OrganisationType.ENTERPRISE, "CN-510100", "chips",
        "虚构的示例企业。设计高速模数转换器、射频前端和物联网无源标签芯片，"
        "关注高校在超高速 ADC、自供能 RFID 微系统和功率器件方面的成果。\n\n"
        "A fictional demo fabless company designing high-speed ADCs, RF front ends and passive IoT tag chips; "
        "follows university results in ultra-high-speed ADCs, self-powered RFID micro-systems and power devices.",
        "https://xinlian-micro.example.org", uscc=demo_uscc("91510100", "MA6D9J2K"),
    ),
    OrganisationSpec(
        "pv", "常州光储新能源科技有限公司", "Changzhou Guangchu New Energy Technology Co., Ltd.",
        OrganisationType.ENTERPRISE, "CN-320400", "pv",
        "虚构的示例企业。开发大面积钙钛矿/晶硅异质结叠层太阳电池组件和工商业储能系统，"
        "正在寻求钙钛矿薄膜稳定性与封装工艺方面的技术合作。\n\n"
        "A fictional demo company developing large-area perovskite/silicon heterojunction tandem solar modules "
        "and commercial energy storage; seeks cooperation on perovskite film stability and encapsulation.",
        "https://guangchu-energy.example.org", uscc=demo_uscc("91320412", "MA1T5N8H"),
    ),
    OrganisationSpec(
        "uav", "南通远航无人机科技有限公司", "Nantong Yuanhang UAV Technology Co., Ltd.",
        OrganisationType.ENTERPRISE, "CN-320600", "uav",
        "虚构的示例企业。研制工业巡检和物流无人机，需要全自主飞行控制、复杂环境感知与避障技术。\n\n"
        "A fictional demo company building inspection and logistics drones; needs fully autonomous flight "
        "control and perception and obstacle avoidance in complex environments.",
        "https://yuanhang-uav.example.org", uscc=demo_uscc("91320600", "MA1X3E7F"),
    ),
    # --- Investor, park, agency (fictional) ------------------------------------------------------
    OrganisationSpec(
        "investor", "苏州星桥创业投资管理有限公司（示例）", "Suzhou Xingqiao Venture Capital Management Co., Ltd. (demo)",
        OrganisationType.INVESTOR, "CN-320500", "investor",
        "虚构的示例创投机构，关注先进制造、生物医药、新能源和集成电路领域的早中期项目，"
        "常驻园区路演平台挖掘高校团队。\n\n"
        "A fictional demo venture-capital firm investing in early and growth-stage advanced manufacturing, "
        "biomedicine, new energy and semiconductor projects, a regular at the park's roadshows.",
        "https://xingqiao-vc.example.org", uscc=demo_uscc("91320594", "MA1R8B4U"),
    ),
    OrganisationSpec(
        "park", "苏州工业园区科技创新服务中心（示例）",
        "Suzhou Industrial Park Science and Technology Innovation Service Centre (demo)",
        OrganisationType.GOVERNMENT_PARK, "CN-320500", "park",
        "虚构的示例园区服务机构：征集和甄别企业技术需求，组织开放日、产业链对接会和路演，"
        "培育科技专员和技术经纪人，受理技术合同登记并兑现科技政策。\n\n"
        "A fictional demo park service body: collects and screens company demands, runs open days, "
        "industry-chain docking events and roadshows, trains technology commissioners and brokers, registers "
        "technology contracts and pays out incentive policies.",
        "https://sip-innovation.example.org", uscc=demo_uscc("12320594", "50817254"),
    ),
    OrganisationSpec(
        "agency", "江苏省技术转移联盟服务中心（示例）", "Jiangsu Technology Transfer Alliance Service Centre (demo)",
        OrganisationType.TRANSFER_AGENCY, "CN-320100", "agency",
        "虚构的示例技术转移机构，联合省内外高校技术转移中心，提供需求挖掘、技术经纪、"
        "评估评价和合同登记辅导服务。\n\n"
        "A fictional demo technology-transfer agency working with university transfer offices in and beyond "
        "Jiangsu: demand mining, technology brokerage, valuation and help with contract registration.",
        "https://js-ttalliance.example.org", uscc=demo_uscc("52320000", "MJ4G6T2A"),
    ),
)


# The account table: (role shown, user key, organisation key or "").
ACCOUNT_TABLE: tuple[tuple[str, str, str], ...] = (
    ("operator", "operator", ""),
    ("technology broker", "broker", "agency"),
    ("technology commissioner", "commissioner", "park"),
    ("university researcher", "researcher", "xjtlu"),
    ("university TTO (org admin)", "tto", "xjtlu"),
    ("enterprise member", "enterprise_member", "robotics"),
    ("enterprise org admin", "enterprise_admin", "robotics"),
    ("investor", "investor", "investor"),
    ("park operator staff", "park", "park"),
    ("UK university member", "uk_researcher", "liverpool"),
    ("overseas centre (Russian UI)", "ru_director", "ru_centre"),
    ("overseas centre (Trad. Chinese UI)", "liaison", "ru_centre"),
)


def _create_user(ctx: DemoContext, spec: UserSpec) -> User:
    user = User(
        email=spec.email, full_name=spec.full_name, job_title=spec.job_title,
        preferred_language=spec.language, email_verified_at=timezone.now(),
        is_staff=spec.superuser, is_superuser=spec.superuser,
        platform_role=PlatformRole.OPERATOR if spec.superuser else PlatformRole.NONE,
    )
    # One hash for all demo accounts: they share the documented password, and hashing is slow.
    user.password = ctx.password_hash()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _load_users(ctx: DemoContext) -> None:
    for spec in USERS:
        user, created = ctx.get_or_create(
            User, lookup={"email__iexact": spec.email}, create=partial(_create_user, ctx, spec),
            name=f"user.{spec.key}",
        )
        if created and spec.platform_role not in (PlatformRole.NONE, PlatformRole.OPERATOR):
            _grant_platform_role(ctx, user, spec.platform_role)


def _grant_platform_role(ctx: DemoContext, user: User, role: str) -> None:
    """Through the service, so that the grant is audited; the demo operator is created first."""
    user_set_platform_role(actor=ctx["user.operator"], user=user, role=role)


def _region(code: str, cache: dict[str, Region]) -> Region:
    if code not in cache:
        cache[code] = Region.objects.get(code=code)
    return cache[code]


def _load_organisations(ctx: DemoContext) -> set[str]:
    """Create the missing organisations; returns the keys of those created now."""
    regions: dict[str, Region] = {}
    created_keys: set[str] = set()
    for spec in ORGANISATIONS:
        country = _region(spec.country, regions)
        lookup = (
            {"uscc": spec.uscc} if spec.uscc
            else {"country": country, "registration_number": spec.registration_number}
        )

        def create(spec: OrganisationSpec = spec, country: Region = country) -> Organisation:
            organisation = organisation_create(
                actor=ctx[f"user.{spec.admin}"], name=spec.name, name_en=spec.name_en, kind=spec.kind,
                country=country, region=_region(spec.region, regions), uscc=spec.uscc,
                registration_number=spec.registration_number, website=spec.website,
                description=spec.description,
            )
            # Demo organisations are shown as checked by the platform.
            return organisation_set_verified(actor=ctx["user.operator"], organisation=organisation)

        _, created = ctx.get_or_create(Organisation, lookup=lookup, create=create, name=f"org.{spec.key}")
        if created:
            created_keys.add(spec.key)
            # organisation_create made its creator the administrator.
            ctx.record(Membership._meta.label, created=True, label=f"{spec.admin} @ {spec.key} (admin)")
    return created_keys


def _load_memberships(ctx: DemoContext, created_orgs: set[str]) -> None:
    creators = {spec.key: spec.admin for spec in ORGANISATIONS}
    for spec in USERS:
        user = ctx[f"user.{spec.key}"]
        for org_key, role in spec.memberships:
            if org_key in created_orgs and creators[org_key] == spec.key:
                continue  # made and counted with the organisation
            organisation = ctx[f"org.{org_key}"]
            ctx.get_or_create(
                Membership, lookup={"user": user, "organisation": organisation},
                create=partial(membership_add, actor=ctx["user.operator"], user=user, organisation=organisation,
                               role=role),
                label=f"{spec.key} @ {org_key} ({role})",
            )


def load(ctx: DemoContext) -> None:
    """Users, then the organisations they create (becoming administrators), then other memberships."""
    _load_users(ctx)
    created_orgs = _load_organisations(ctx)
    _load_memberships(ctx, created_orgs)
    for role, user_key, org_key in ACCOUNT_TABLE:
        ctx.add_account(role, ctx[f"user.{user_key}"], ctx[f"org.{org_key}"] if org_key else None)
