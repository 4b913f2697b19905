"""Demo supply side: experts, published achievements and one themed exhibition (see :mod:`duijie.core.demo`).

- **Experts**: fictional researchers of the demo universities and institutes (3–4 for each Chinese
  institution, 2 for each UK university and for the Russian institute), with research directions in the
  institution's language (and in English for Chinese ones). Matched by institution and name.
- **Achievements**: 300 published items whose titles, abstracts and keywords come
  from ChinaXiv preprints, shipped in ``data/demo_achievements.jsonl`` (a subset of the matching development
  set, see ``DEMO_SOURCES.md`` for the licence: CC BY 4.0, attributed in every item's description).
  Chinese records go to the Chinese institutions, English ones to the UK universities and the Russian
  institute. Everything else (fields, TRL, cooperation modes, price, IP assets) is derived
  deterministically from the record. Created, submitted and published through the services; matched by
  institution and ``external_id`` (the record's id).
- **Exhibition**: the 2021 Jiangsu–UK Technology Exchange Week (slug ``jiangsu-uk-2021``) featuring twelve
  of the achievements in its three fields. Matched by slug.

Named objects for later loaders: ``expert.<organisation key>.<n>`` (n from 1), ``exhibition.jiangsu_uk_2021``,
and ``achievement.<dataset id>`` for every demo achievement.

The e-mails the services queue for demo content (submitted / published notices to demo addresses) are
dropped: demo content is not news, and the demo domain is never delivered to.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from duijie.accounts.demo import ORGANISATIONS
from duijie.core.demo import DemoContext
from duijie.supply import services
from duijie.supply.enums import (
    PUBLIC_STATUSES,
    AchievementAttribute,
    ContentLanguage,
    IPStatus,
    IPType,
    PriceType,
)
from duijie.supply.ip_numbers import cn_application_check_digit
from duijie.supply.models import Achievement, Exhibition, Expert
from duijie.supply.workflow import ScreeningCheck
from duijie.taxonomy.models import CooperationMode, TechField

# The demo achievements: ChinaXiv preprints only (CC BY 4.0, redistribution allowed with attribution, which
# every item's description gives). The development set's CSL records are not used: their Apache-2.0 grant
# comes from the dataset's compilers, not from the journals that hold the abstracts. See DEMO_SOURCES.md.
DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_achievements.jsonl"
SUMMARY_LIMIT = 600
MAX_DEMO_KEYWORDS = 5

# The institutions that own demo achievements, by content language, and how many records of each language
# the data file holds (:func:`select_records`): about 34 per Chinese institution, 32 per other one.
ZH_INSTITUTIONS = ("xjtlu", "ujs", "njust", "njtech", "uestc", "nano_institute")
EN_INSTITUTIONS = ("liverpool", "swansea", "ru_centre")
ZH_RECORDS = 204
EN_RECORDS = 96
UK_INSTITUTIONS = frozenset({"liverpool", "swansea"})

# Top-level fields each institution is known for: records in them go there first (see _assign).
AFFINITY: dict[str, frozenset[str]] = {
    "xjtlu": frozenset({"advanced-manufacturing", "intelligent-equipment", "healthcare", "environment", "ai"}),
    "ujs": frozenset({"modern-agriculture", "biomedicine", "new-materials"}),
    "njust": frozenset({"intelligent-equipment", "aerospace", "ic-electronics", "advanced-manufacturing"}),
    "njtech": frozenset({"new-materials", "new-energy", "environment"}),
    "uestc": frozenset({"ic-electronics", "ai"}),
    "nano_institute": frozenset({"new-materials", "biomedicine", "healthcare"}),
    "liverpool": frozenset({"new-materials", "biomedicine", "healthcare", "environment", "ai"}),
    "swansea": frozenset({"new-energy", "advanced-manufacturing", "intelligent-equipment", "aerospace"}),
    "ru_centre": frozenset({"new-materials", "ai", "aerospace", "modern-agriculture", "biomedicine"}),
}
# The field of a record that no keyword places (none in the shipped file; kept for edited files).
DEFAULT_FIELD: dict[str, str] = {
    "xjtlu": "advanced-manufacturing.industrial-software",
    "ujs": "modern-agriculture.agricultural-machinery",
    "njust": "intelligent-equipment.inspection-assembly",
    "njtech": "new-materials.polymers",
    "uestc": "ic-electronics.ic-design",
    "nano_institute": "new-materials.nanomaterials",
    "liverpool": "new-materials.energy-materials",
    "swansea": "new-energy.solar",
    "ru_centre": "new-materials.advanced-metals",
}

# The exhibition's items (dataset ids, in the order shown): four each in advanced manufacturing,
# healthcare and environmental engineering. They come first in the data file.
EXHIBITION_SLUG = "jiangsu-uk-2021"
EXHIBITION_IDS: tuple[str, ...] = (
    # Advanced manufacturing
    "cx-2a84583a3c",  # additive manufacturing of TiC-reinforced aluminium parts
    "cx-af3ace7d3d",  # grid maps for mobile robots in greenhouses
    "cx-3bf53c185a",  # permanent-magnet synchronous motor with electric screw
    "cx-ee66e14a6d",  # corrosion-inhibiting pigments for rail-transit aluminium alloys
    # Healthcare
    "cx-94c873e598",  # human cell-penetrating peptide for tumour drug delivery
    "cx-616d974a84",  # phage display library of single-chain Fv antibodies
    "cx-27bbce22ed",  # aptamers against a lung-cancer tumour marker
    "cx-5c1dd3637a",  # ultrasound microbubbles loaded with hydrogen sulphide
    # Environmental engineering
    "cx-547281165d",  # natural evaporation of high-salinity coal-chemical wastewater
    "cx-372c8790de",  # yeasts that help plants grow on lead- and cadmium-polluted soil
    "cx-cc0fa12aa2",  # corn-straw biochar adsorbing ethyl paraben from water
    "cx-3cc266a38b",  # mild pyrolysis kinetics of biomass and sludge
)
# The exhibition's items belong to the universities that took part in the 2021 week.
EXHIBITION_OWNERS = {"zh": ("xjtlu", "ujs", "njust", "njtech"), "en": ("liverpool", "swansea")}


# --- technology fields from keywords ---------------------------------------------------------------------

# (needle, TechField code). Matched against the title and each keyword, lower-cased. Latin needles match
# at the start of a word, and as a whole word (plural -s allowed) when they end in "$" or have at most
# four letters; Chinese needles match anywhere. A title or keyword hit weighs 2 (see field_codes_for).
KEYWORD_FIELDS: tuple[tuple[str, str], ...] = (
    # Advanced manufacturing
    ("增材制造", "advanced-manufacturing.additive-manufacturing"),
    ("3d打印", "advanced-manufacturing.additive-manufacturing"),
    ("additive manufactur", "advanced-manufacturing.additive-manufacturing"),
    ("3d print", "advanced-manufacturing.additive-manufacturing"),
    ("选区激光熔化", "advanced-manufacturing.additive-manufacturing"),
    ("selective laser melting", "advanced-manufacturing.additive-manufacturing"),
    ("切削", "advanced-manufacturing.precision-machining"),
    ("磨削", "advanced-manufacturing.precision-machining"),
    ("精密加工", "advanced-manufacturing.precision-machining"),
    ("刀具", "advanced-manufacturing.precision-machining"),
    ("machining", "advanced-manufacturing.precision-machining"),
    ("cutting tool", "advanced-manufacturing.precision-machining"),
    ("焊接", "advanced-manufacturing.forming-joining"),
    ("焊缝", "advanced-manufacturing.forming-joining"),
    ("锻造", "advanced-manufacturing.forming-joining"),
    ("铸造", "advanced-manufacturing.forming-joining"),
    ("冲压", "advanced-manufacturing.forming-joining"),
    ("weld", "advanced-manufacturing.forming-joining"),
    ("forging", "advanced-manufacturing.forming-joining"),
    ("casting", "advanced-manufacturing.forming-joining"),
    ("涂层", "advanced-manufacturing.surface-remanufacturing"),
    ("再制造", "advanced-manufacturing.surface-remanufacturing"),
    ("腐蚀", "advanced-manufacturing.surface-remanufacturing"),
    ("磨损", "advanced-manufacturing.surface-remanufacturing"),
    ("coating", "advanced-manufacturing.surface-remanufacturing"),
    ("corrosion", "advanced-manufacturing.surface-remanufacturing"),
    ("数字孪生", "advanced-manufacturing.industrial-software"),
    ("有限元", "advanced-manufacturing.industrial-software"),
    ("故障诊断", "advanced-manufacturing.industrial-software"),
    ("生产调度", "advanced-manufacturing.industrial-software"),
    ("digital twin", "advanced-manufacturing.industrial-software"),
    ("finite element", "advanced-manufacturing.industrial-software"),
    ("fault diagnosis", "advanced-manufacturing.industrial-software"),
    ("scheduling", "advanced-manufacturing.industrial-software"),
    # Intelligent manufacturing equipment
    ("机器人", "intelligent-equipment.industrial-robots"),
    ("机械臂", "intelligent-equipment.industrial-robots"),
    ("robot", "intelligent-equipment.industrial-robots"),
    ("manipulator", "intelligent-equipment.industrial-robots"),
    ("数控", "intelligent-equipment.cnc-machine-tools"),
    ("机床", "intelligent-equipment.cnc-machine-tools"),
    ("cnc", "intelligent-equipment.cnc-machine-tools"),
    ("machine tool", "intelligent-equipment.cnc-machine-tools"),
    ("传感器", "intelligent-equipment.sensing-control"),
    ("控制器", "intelligent-equipment.sensing-control"),
    ("电机", "intelligent-equipment.sensing-control"),
    ("sensor", "intelligent-equipment.sensing-control"),
    ("controller", "intelligent-equipment.sensing-control"),
    ("pid", "intelligent-equipment.sensing-control"),
    ("motor$", "intelligent-equipment.sensing-control"),
    ("无损检测", "intelligent-equipment.inspection-assembly"),
    ("缺陷检测", "intelligent-equipment.inspection-assembly"),
    ("在线检测", "intelligent-equipment.inspection-assembly"),
    ("测量", "intelligent-equipment.inspection-assembly"),
    ("defect detection", "intelligent-equipment.inspection-assembly"),
    ("non-destructive", "intelligent-equipment.inspection-assembly"),
    ("measurement", "intelligent-equipment.inspection-assembly"),
    ("物流", "intelligent-equipment.logistics-equipment"),
    ("仓储", "intelligent-equipment.logistics-equipment"),
    ("logistics", "intelligent-equipment.logistics-equipment"),
    ("激光", "intelligent-equipment.laser-equipment"),
    ("laser", "intelligent-equipment.laser-equipment"),
    ("工业互联网", "intelligent-equipment.industrial-internet"),
    ("industrial internet", "intelligent-equipment.industrial-internet"),
    # Integrated circuits and electronic information
    ("集成电路", "ic-electronics.ic-design"),
    ("芯片", "ic-electronics.ic-design"),
    ("模数转换", "ic-electronics.ic-design"),
    ("integrated circuit", "ic-electronics.ic-design"),
    ("cmos", "ic-electronics.ic-design"),
    ("fpga", "ic-electronics.ic-design"),
    ("adc", "ic-electronics.ic-design"),
    ("封装", "ic-electronics.ic-fabrication"),
    ("光刻", "ic-electronics.ic-fabrication"),
    ("lithograph", "ic-electronics.ic-fabrication"),
    ("半导体", "ic-electronics.semiconductor-equipment"),
    ("semiconductor", "ic-electronics.semiconductor-equipment"),
    ("通信", "ic-electronics.communications"),
    ("天线", "ic-electronics.communications"),
    ("雷达", "ic-electronics.communications"),
    ("信道", "ic-electronics.communications"),
    ("射频", "ic-electronics.communications"),
    ("5g", "ic-electronics.communications"),
    ("mimo", "ic-electronics.communications"),
    ("antenna", "ic-electronics.communications"),
    ("radar", "ic-electronics.communications"),
    ("wireless", "ic-electronics.communications"),
    ("communication", "ic-electronics.communications"),
    ("光电", "ic-electronics.optoelectronics-display"),
    ("显示", "ic-electronics.optoelectronics-display"),
    ("光纤", "ic-electronics.optoelectronics-display"),
    ("led", "ic-electronics.optoelectronics-display"),
    ("optical fiber", "ic-electronics.optoelectronics-display"),
    ("photodetector", "ic-electronics.optoelectronics-display"),
    ("物联网", "ic-electronics.iot"),
    ("无线传感器网络", "ic-electronics.iot"),
    ("internet of things", "ic-electronics.iot"),
    ("iot", "ic-electronics.iot"),
    ("rfid", "ic-electronics.iot"),
    ("wireless sensor network", "ic-electronics.iot"),
    ("云计算", "ic-electronics.software-cloud"),
    ("分布式", "ic-electronics.software-cloud"),
    ("软件测试", "ic-electronics.software-cloud"),
    ("数据库", "ic-electronics.software-cloud"),
    ("边缘计算", "ic-electronics.software-cloud"),
    ("cloud computing", "ic-electronics.software-cloud"),
    ("spark", "ic-electronics.software-cloud"),
    ("hadoop", "ic-electronics.software-cloud"),
    ("software", "ic-electronics.software-cloud"),
    ("加密", "ic-electronics.cybersecurity"),
    ("密码", "ic-electronics.cybersecurity"),
    ("入侵检测", "ic-electronics.cybersecurity"),
    ("区块链", "ic-electronics.cybersecurity"),
    ("隐私", "ic-electronics.cybersecurity"),
    ("恶意", "ic-electronics.cybersecurity"),
    ("漏洞", "ic-electronics.cybersecurity"),
    ("blockchain", "ic-electronics.cybersecurity"),
    ("encryption", "ic-electronics.cybersecurity"),
    ("intrusion", "ic-electronics.cybersecurity"),
    ("privacy", "ic-electronics.cybersecurity"),
    ("malware", "ic-electronics.cybersecurity"),
    # Artificial intelligence
    ("图像", "ai.computer-vision"),
    ("目标检测", "ai.computer-vision"),
    ("人脸", "ai.computer-vision"),
    ("视觉", "ai.computer-vision"),
    ("行人", "ai.computer-vision"),
    ("image process", "ai.computer-vision"),
    ("image recogn", "ai.computer-vision"),
    ("image segment", "ai.computer-vision"),
    ("image classif", "ai.computer-vision"),
    ("image fusion", "ai.computer-vision"),
    ("image retriev", "ai.computer-vision"),
    ("image denois", "ai.computer-vision"),
    ("object detection", "ai.computer-vision"),
    ("vision", "ai.computer-vision"),
    ("自然语言", "ai.nlp"),
    ("机器翻译", "ai.nlp"),
    ("文本", "ai.nlp"),
    ("情感分析", "ai.nlp"),
    ("命名实体", "ai.nlp"),
    ("natural language", "ai.nlp"),
    ("machine translation", "ai.nlp"),
    ("text classification", "ai.nlp"),
    ("sentiment", "ai.nlp"),
    ("语音", "ai.speech"),
    ("speech", "ai.speech"),
    ("深度学习", "ai.machine-learning"),
    ("神经网络", "ai.machine-learning"),
    ("机器学习", "ai.machine-learning"),
    ("强化学习", "ai.machine-learning"),
    ("支持向量机", "ai.machine-learning"),
    ("聚类", "ai.machine-learning"),
    ("deep learning", "ai.machine-learning"),
    ("neural network", "ai.machine-learning"),
    ("machine learning", "ai.machine-learning"),
    ("reinforcement learning", "ai.machine-learning"),
    ("svm", "ai.machine-learning"),
    ("clustering", "ai.machine-learning"),
    ("推荐", "ai.knowledge-decision"),
    ("知识图谱", "ai.knowledge-decision"),
    ("决策", "ai.knowledge-decision"),
    ("recommend", "ai.knowledge-decision"),
    ("knowledge graph", "ai.knowledge-decision"),
    ("自动驾驶", "ai.autonomous-driving"),
    ("无人驾驶", "ai.autonomous-driving"),
    ("车道", "ai.autonomous-driving"),
    ("autonomous driving", "ai.autonomous-driving"),
    ("self-driving", "ai.autonomous-driving"),
    # Biomedicine and medical devices
    ("药物", "biomedicine.innovative-drugs"),
    ("抗肿瘤", "biomedicine.innovative-drugs"),
    ("drug", "biomedicine.innovative-drugs"),
    ("anticancer", "biomedicine.innovative-drugs"),
    ("抗体", "biomedicine.biologics"),
    ("重组蛋白", "biomedicine.biologics"),
    ("发酵", "biomedicine.biologics"),
    ("多糖", "biomedicine.biologics"),
    ("antibod", "biomedicine.biologics"),
    ("fermentation", "biomedicine.biologics"),
    ("recombinant", "biomedicine.biologics"),
    ("polysaccharide", "biomedicine.biologics"),
    ("中药", "biomedicine.tcm"),
    ("中医", "biomedicine.tcm"),
    ("药用植物", "biomedicine.tcm"),
    ("traditional chinese medicine", "biomedicine.tcm"),
    ("基因治疗", "biomedicine.cell-gene-therapy"),
    ("干细胞", "biomedicine.cell-gene-therapy"),
    ("car-t", "biomedicine.cell-gene-therapy"),
    ("stem cell", "biomedicine.cell-gene-therapy"),
    ("gene therapy", "biomedicine.cell-gene-therapy"),
    ("疫苗", "biomedicine.vaccines"),
    ("vaccine", "biomedicine.vaccines"),
    ("医学影像", "biomedicine.medical-imaging"),
    ("超声", "biomedicine.medical-imaging"),
    ("ct", "biomedicine.medical-imaging"),
    ("mri", "biomedicine.medical-imaging"),
    ("ultrasound", "biomedicine.medical-imaging"),
    ("medical image", "biomedicine.medical-imaging"),
    ("体外诊断", "biomedicine.ivd"),
    ("诊断试剂", "biomedicine.ivd"),
    ("肿瘤标志物", "biomedicine.ivd"),
    ("检测试剂", "biomedicine.ivd"),
    ("生物传感", "biomedicine.ivd"),
    ("biosensor", "biomedicine.ivd"),
    ("in vitro diagnos", "biomedicine.ivd"),
    ("diagnostic kit", "biomedicine.ivd"),
    ("point-of-care", "biomedicine.ivd"),
    ("pcr", "biomedicine.ivd"),
    ("支架", "biomedicine.implants-consumables"),
    ("植入", "biomedicine.implants-consumables"),
    ("implant", "biomedicine.implants-consumables"),
    # Healthcare
    ("癌", "healthcare.precision-medicine"),
    ("肿瘤", "healthcare.precision-medicine"),
    ("cancer", "healthcare.precision-medicine"),
    ("tumo", "healthcare.precision-medicine"),
    ("患者", "healthcare.digital-health"),
    ("临床", "healthcare.digital-health"),
    ("医疗", "healthcare.digital-health"),
    ("健康", "healthcare.digital-health"),
    ("clinical", "healthcare.digital-health"),
    ("patient", "healthcare.digital-health"),
    ("health", "healthcare.digital-health"),
    ("康复", "healthcare.rehabilitation"),
    ("rehabilitation", "healthcare.rehabilitation"),
    ("养老", "healthcare.elderly-care"),
    ("老年", "healthcare.elderly-care"),
    ("elderly", "healthcare.elderly-care"),
    ("疫情", "healthcare.public-health"),
    ("新冠", "healthcare.public-health"),
    ("流行病", "healthcare.public-health"),
    ("传染", "healthcare.public-health"),
    ("covid", "healthcare.public-health"),
    ("epidemic", "healthcare.public-health"),
    ("sars-cov-2", "healthcare.public-health"),
    ("营养素", "healthcare.nutrition-health"),
    ("膳食", "healthcare.nutrition-health"),
    ("益生菌", "healthcare.nutrition-health"),
    ("功能食品", "healthcare.nutrition-health"),
    ("nutrition", "healthcare.nutrition-health"),
    ("probiotic", "healthcare.nutrition-health"),
    # New materials
    ("合金", "new-materials.advanced-metals"),
    ("钢", "new-materials.advanced-metals"),
    ("钛", "new-materials.advanced-metals"),
    ("alloy", "new-materials.advanced-metals"),
    ("steel", "new-materials.advanced-metals"),
    ("titanium", "new-materials.advanced-metals"),
    ("聚合物", "new-materials.polymers"),
    ("高分子", "new-materials.polymers"),
    ("树脂", "new-materials.polymers"),
    ("水凝胶", "new-materials.polymers"),
    ("polymer", "new-materials.polymers"),
    ("hydrogel", "new-materials.polymers"),
    ("陶瓷", "new-materials.ceramics"),
    ("玻璃", "new-materials.ceramics"),
    ("ceramic", "new-materials.ceramics"),
    ("复合材料", "new-materials.composites"),
    ("碳纤维", "new-materials.composites"),
    ("composite", "new-materials.composites"),
    ("纳米", "new-materials.nanomaterials"),
    ("石墨烯", "new-materials.nanomaterials"),
    ("量子点", "new-materials.nanomaterials"),
    ("nano", "new-materials.nanomaterials"),
    ("graphene", "new-materials.nanomaterials"),
    ("quantum dot", "new-materials.nanomaterials"),
    ("薄膜", "new-materials.electronic-materials"),
    ("介电", "new-materials.electronic-materials"),
    ("压电", "new-materials.electronic-materials"),
    ("thin film", "new-materials.electronic-materials"),
    ("piezoelectric", "new-materials.electronic-materials"),
    ("dielectric", "new-materials.electronic-materials"),
    ("生物材料", "new-materials.biomaterials"),
    ("biomaterial", "new-materials.biomaterials"),
    ("电极材料", "new-materials.energy-materials"),
    ("正极", "new-materials.energy-materials"),
    ("负极", "new-materials.energy-materials"),
    ("催化剂", "new-materials.energy-materials"),
    ("光催化", "new-materials.energy-materials"),
    ("cathode", "new-materials.energy-materials"),
    ("anode", "new-materials.energy-materials"),
    ("catalyst", "new-materials.energy-materials"),
    ("photocataly", "new-materials.energy-materials"),
    # New energy and energy saving
    ("太阳能", "new-energy.solar"),
    ("光伏", "new-energy.solar"),
    ("钙钛矿", "new-energy.solar"),
    ("solar cell", "new-energy.solar"),
    ("solar energy", "new-energy.solar"),
    ("solar power", "new-energy.solar"),
    ("photovoltaic", "new-energy.solar"),
    ("perovskite", "new-energy.solar"),
    ("风电", "new-energy.wind"),
    ("风力", "new-energy.wind"),
    ("风机", "new-energy.wind"),
    ("wind turbine", "new-energy.wind"),
    ("wind power", "new-energy.wind"),
    ("氢能", "new-energy.hydrogen"),
    ("制氢", "new-energy.hydrogen"),
    ("储氢", "new-energy.hydrogen"),
    ("燃料电池", "new-energy.hydrogen"),
    ("hydrogen", "new-energy.hydrogen"),
    ("fuel cell", "new-energy.hydrogen"),
    ("电池", "new-energy.energy-storage"),
    ("储能", "new-energy.energy-storage"),
    ("锂", "new-energy.energy-storage"),
    ("超级电容", "new-energy.energy-storage"),
    ("batter", "new-energy.energy-storage"),
    ("lithium", "new-energy.energy-storage"),
    ("supercapacitor", "new-energy.energy-storage"),
    ("电网", "new-energy.smart-grid"),
    ("电力系统", "new-energy.smart-grid"),
    ("配电", "new-energy.smart-grid"),
    ("微电网", "new-energy.smart-grid"),
    ("变压器", "new-energy.smart-grid"),
    ("逆变器", "new-energy.smart-grid"),
    ("换流", "new-energy.smart-grid"),
    ("power grid", "new-energy.smart-grid"),
    ("power system", "new-energy.smart-grid"),
    ("microgrid", "new-energy.smart-grid"),
    ("transformer", "new-energy.smart-grid"),
    ("inverter", "new-energy.smart-grid"),
    ("电动汽车", "new-energy.nev"),
    ("新能源汽车", "new-energy.nev"),
    ("充电", "new-energy.nev"),
    ("electric vehicle", "new-energy.nev"),
    ("核能", "new-energy.nuclear"),
    ("核电", "new-energy.nuclear"),
    ("核反应堆", "new-energy.nuclear"),
    ("nuclear power", "new-energy.nuclear"),
    ("nuclear energy", "new-energy.nuclear"),
    ("nuclear reactor", "new-energy.nuclear"),
    ("节能", "new-energy.energy-efficiency"),
    ("能效", "new-energy.energy-efficiency"),
    ("余热", "new-energy.energy-efficiency"),
    ("换热", "new-energy.energy-efficiency"),
    ("燃烧", "new-energy.energy-efficiency"),
    ("传热", "new-energy.energy-efficiency"),
    ("生物质能", "new-energy.energy-efficiency"),
    ("heat exchang", "new-energy.energy-efficiency"),
    ("energy saving", "new-energy.energy-efficiency"),
    ("energy-saving", "new-energy.energy-efficiency"),
    ("free cooling", "new-energy.energy-efficiency"),
    ("combustion", "new-energy.energy-efficiency"),
    ("heat transfer", "new-energy.energy-efficiency"),
    ("biomass energy", "new-energy.energy-efficiency"),
    # Environmental engineering
    ("废水", "environment.water-treatment"),
    ("污水", "environment.water-treatment"),
    ("水处理", "environment.water-treatment"),
    ("水质", "environment.water-treatment"),
    ("吸附", "environment.water-treatment"),
    ("膜分离", "environment.water-treatment"),
    ("wastewater", "environment.water-treatment"),
    ("water treatment", "environment.water-treatment"),
    ("adsorption", "environment.water-treatment"),
    ("membrane separation", "environment.water-treatment"),
    ("membrane filtration", "environment.water-treatment"),
    ("大气污染", "environment.air-pollution"),
    ("雾霾", "environment.air-pollution"),
    ("脱硫", "environment.air-pollution"),
    ("脱硝", "environment.air-pollution"),
    ("气溶胶", "environment.air-pollution"),
    ("排放", "environment.air-pollution"),
    ("pm2.5", "environment.air-pollution"),
    ("voc", "environment.air-pollution"),
    ("air pollution", "environment.air-pollution"),
    ("aerosol", "environment.air-pollution"),
    ("emission", "environment.air-pollution"),
    ("重金属", "environment.soil-remediation"),
    ("土壤修复", "environment.soil-remediation"),
    ("污染土壤", "environment.soil-remediation"),
    ("镉", "environment.soil-remediation"),
    ("heavy metal", "environment.soil-remediation"),
    ("cadmium", "environment.soil-remediation"),
    ("soil contamin", "environment.soil-remediation"),
    ("remediation", "environment.soil-remediation"),
    ("固废", "environment.solid-waste"),
    ("固体废物", "environment.solid-waste"),
    ("垃圾", "environment.solid-waste"),
    ("污泥", "environment.solid-waste"),
    ("秸秆", "environment.solid-waste"),
    ("资源化", "environment.solid-waste"),
    ("solid waste", "environment.solid-waste"),
    ("sludge", "environment.solid-waste"),
    ("straw", "environment.solid-waste"),
    ("recycl", "environment.solid-waste"),
    ("生态修复", "environment.ecological-restoration"),
    ("植被恢复", "environment.ecological-restoration"),
    ("湿地", "environment.ecological-restoration"),
    ("荒漠化", "environment.ecological-restoration"),
    ("水土保持", "environment.ecological-restoration"),
    ("防沙", "environment.ecological-restoration"),
    ("ecological restoration", "environment.ecological-restoration"),
    ("wetland", "environment.ecological-restoration"),
    ("desertification", "environment.ecological-restoration"),
    ("环境监测", "environment.environmental-monitoring"),
    ("水质监测", "environment.environmental-monitoring"),
    ("污染监测", "environment.environmental-monitoring"),
    ("environmental monitoring", "environment.environmental-monitoring"),
    ("water quality monitoring", "environment.environmental-monitoring"),
    ("碳捕集", "environment.ccus"),
    ("二氧化碳捕集", "environment.ccus"),
    ("co2捕集", "environment.ccus"),
    ("碳排放", "environment.ccus"),
    ("carbon capture", "environment.ccus"),
    ("co2 capture", "environment.ccus"),
    ("carbon emission", "environment.ccus"),
    # Aerospace
    ("飞机", "aerospace.aircraft"),
    ("飞行器", "aerospace.aircraft"),
    ("机翼", "aerospace.aircraft"),
    ("aircraft", "aerospace.aircraft"),
    ("发动机", "aerospace.aero-engines"),
    ("燃气轮机", "aerospace.aero-engines"),
    ("压气机", "aerospace.aero-engines"),
    ("涡轮", "aerospace.aero-engines"),
    ("turbine", "aerospace.aero-engines"),
    ("compressor", "aerospace.aero-engines"),
    ("engine$", "aerospace.aero-engines"),
    ("无人机", "aerospace.uav"),
    ("uav", "aerospace.uav"),
    ("unmanned aerial", "aerospace.uav"),
    ("drone", "aerospace.uav"),
    ("飞行控制", "aerospace.avionics"),
    ("飞控", "aerospace.avionics"),
    ("flight control", "aerospace.avionics"),
    ("avionics", "aerospace.avionics"),
    ("火箭", "aerospace.launch-vehicles"),
    ("推进", "aerospace.launch-vehicles"),
    ("rocket", "aerospace.launch-vehicles"),
    ("propulsion", "aerospace.launch-vehicles"),
    ("卫星", "aerospace.spacecraft"),
    ("航天器", "aerospace.spacecraft"),
    ("satellite", "aerospace.spacecraft"),
    ("spacecraft", "aerospace.spacecraft"),
    ("导航", "aerospace.navigation-remote-sensing"),
    ("遥感", "aerospace.navigation-remote-sensing"),
    ("北斗", "aerospace.navigation-remote-sensing"),
    ("高光谱", "aerospace.navigation-remote-sensing"),
    ("gnss", "aerospace.navigation-remote-sensing"),
    ("gps", "aerospace.navigation-remote-sensing"),
    ("sar", "aerospace.navigation-remote-sensing"),
    ("remote sensing", "aerospace.navigation-remote-sensing"),
    ("navigation", "aerospace.navigation-remote-sensing"),
    ("hyperspectral", "aerospace.navigation-remote-sensing"),
    # Modern agriculture
    ("育种", "modern-agriculture.breeding"),
    ("品种", "modern-agriculture.breeding"),
    ("转基因", "modern-agriculture.breeding"),
    ("种质", "modern-agriculture.breeding"),
    ("breeding", "modern-agriculture.breeding"),
    ("cultivar", "modern-agriculture.breeding"),
    ("germplasm", "modern-agriculture.breeding"),
    ("qtl", "modern-agriculture.breeding"),
    ("智慧农业", "modern-agriculture.smart-agriculture"),
    ("精准农业", "modern-agriculture.smart-agriculture"),
    ("灌溉", "modern-agriculture.smart-agriculture"),
    ("施肥", "modern-agriculture.smart-agriculture"),
    ("产量", "modern-agriculture.smart-agriculture"),
    ("irrigation", "modern-agriculture.smart-agriculture"),
    ("precision agriculture", "modern-agriculture.smart-agriculture"),
    ("fertiliz", "modern-agriculture.smart-agriculture"),
    ("农机", "modern-agriculture.agricultural-machinery"),
    ("播种", "modern-agriculture.agricultural-machinery"),
    ("排种", "modern-agriculture.agricultural-machinery"),
    ("收获机", "modern-agriculture.agricultural-machinery"),
    ("agricultural machinery", "modern-agriculture.agricultural-machinery"),
    ("harvester", "modern-agriculture.agricultural-machinery"),
    ("病虫害", "modern-agriculture.plant-protection"),
    ("农药", "modern-agriculture.plant-protection"),
    ("杀虫", "modern-agriculture.plant-protection"),
    ("病原菌", "modern-agriculture.plant-protection"),
    ("生物防治", "modern-agriculture.plant-protection"),
    ("pesticide", "modern-agriculture.plant-protection"),
    ("pest", "modern-agriculture.plant-protection"),
    ("pathogen", "modern-agriculture.plant-protection"),
    ("biocontrol", "modern-agriculture.plant-protection"),
    ("饲料", "modern-agriculture.livestock-aquaculture"),
    ("养殖", "modern-agriculture.livestock-aquaculture"),
    ("奶牛", "modern-agriculture.livestock-aquaculture"),
    ("猪", "modern-agriculture.livestock-aquaculture"),
    ("鸡", "modern-agriculture.livestock-aquaculture"),
    ("肉禽", "modern-agriculture.livestock-aquaculture"),
    ("aquaculture", "modern-agriculture.livestock-aquaculture"),
    ("livestock", "modern-agriculture.livestock-aquaculture"),
    ("poultry", "modern-agriculture.livestock-aquaculture"),
    ("食品", "modern-agriculture.food-processing"),
    ("保鲜", "modern-agriculture.food-processing"),
    ("贮藏", "modern-agriculture.food-processing"),
    ("霉菌毒素", "modern-agriculture.food-processing"),
    ("food", "modern-agriculture.food-processing"),
    ("mycotoxin", "modern-agriculture.food-processing"),
)

# Chinese Library Classification prefixes (longest first within a class): a weaker signal, weight 1.
CLC_FIELDS: tuple[tuple[str, str], ...] = (
    ("TP18", "ai.machine-learning"),
    ("TP391.4", "ai.computer-vision"),
    ("TP391.1", "ai.nlp"),
    ("TP309", "ic-electronics.cybersecurity"),
    ("TP24", "intelligent-equipment.industrial-robots"),
    ("TP2", "intelligent-equipment.sensing-control"),
    ("TP3", "ic-electronics.software-cloud"),
    ("TN4", "ic-electronics.ic-design"),
    ("TN9", "ic-electronics.communications"),
    ("TN2", "ic-electronics.optoelectronics-display"),
    ("TN3", "ic-electronics.semiconductor-equipment"),
    ("TN", "ic-electronics.communications"),
    ("TM91", "new-energy.energy-storage"),
    ("TM61", "new-energy.solar"),
    ("TM", "new-energy.smart-grid"),
    ("TK51", "new-energy.solar"),
    ("TK8", "new-energy.wind"),
    ("TK91", "new-energy.hydrogen"),
    ("TK", "new-energy.energy-efficiency"),
    ("TG4", "advanced-manufacturing.forming-joining"),
    ("TG5", "advanced-manufacturing.precision-machining"),
    ("TG1", "new-materials.advanced-metals"),
    ("TG", "advanced-manufacturing.forming-joining"),
    ("TH7", "intelligent-equipment.inspection-assembly"),
    ("TH", "intelligent-equipment.sensing-control"),
    ("TB3", "new-materials.composites"),
    ("TQ", "new-materials.polymers"),
    ("X5", "environment.water-treatment"),
    ("X7", "environment.solid-waste"),
    ("X8", "environment.environmental-monitoring"),
    ("X", "environment.ecological-restoration"),
    ("S2", "modern-agriculture.agricultural-machinery"),
    ("S4", "modern-agriculture.plant-protection"),
    ("S8", "modern-agriculture.livestock-aquaculture"),
    ("S9", "modern-agriculture.livestock-aquaculture"),
    ("S", "modern-agriculture.smart-agriculture"),
    ("R", "healthcare.digital-health"),
    ("V4", "aerospace.spacecraft"),
    ("V", "aerospace.aircraft"),
)

# Records about these are not technologies an enterprise could take up (astronomy, atmospheric and
# particle physics, psychology, climate, humanities, nursing, reviews and surveys): left out when the
# data file is made.
NOT_A_TECHNOLOGY = re.compile(
    r"太阳黑子|日冕|天文|望远镜|星系|恒星|脉冲星|太阳风|耀斑|重力波|平流层|中间层|电离层|粒子物理|介子|强子"
    r"|知觉|词汇|阅读|记忆|注意|语义加工|词切分|汉字|气候|降水|考古|历史|宗教|法律|经济|管理|心理|儿童|学生|教育"
    r"|社会|文化|政策|语言学|情绪|认知|人格|消费|焦虑|抑郁|护理|伦理|指南|综述|述评|进展|现状|调查|意愿"
    r"|sunspot|solar proton|telescope|coronal|astronom|galax|stellar|pulsar|gravity wave|ionosph|hadron"
    r"|cross section|meson|perception|climate|precipitation|psycholog|student|educat|social|child|nursing"
    r"|ethic|guideline|review|progress in|meta-analysis|survey",
    re.IGNORECASE,
)


def _latin_pattern(needle: str) -> re.Pattern[str]:
    whole = needle.endswith("$") or len(needle) <= 4
    needle = needle.rstrip("$")
    return re.compile(r"(?<![a-z0-9])" + re.escape(needle) + (r"s?(?![a-z0-9])" if whole else ""))


_CHINESE_NEEDLES = [(needle, code) for needle, code in KEYWORD_FIELDS if not needle.isascii()]
_LATIN_PATTERNS = [(_latin_pattern(needle), code) for needle, code in KEYWORD_FIELDS if needle.isascii()]


def field_scores(record: dict[str, Any]) -> Counter[str]:
    """TechField code → weight, from the record's title and keywords (2 per hit) and CLC code (1)."""
    scores: Counter[str] = Counter()
    title = record["title"].lower()
    keywords = "\n".join(record["keywords"]).lower()
    for needle, code in _CHINESE_NEEDLES:
        scores[code] += 2 * ((needle in title) + (needle in keywords))
    if re.search(r"[a-z0-9]", title + keywords):  # Chinese records carry Latin terms too (CMOS, 5G)
        for pattern, code in _LATIN_PATTERNS:
            scores[code] += 2 * ((pattern.search(title) is not None) + (pattern.search(keywords) is not None))
    clc = record.get("field", "")
    if clc.startswith("CLC:"):
        for prefix, code in CLC_FIELDS:
            if clc[4:].startswith(prefix):
                scores[code] += 1
                break
    return +scores  # without the zero counts


def field_codes_for(record: dict[str, Any], default: str) -> list[str]:
    """One or two TechField codes: the best-scoring one, and the next if it scores at least 2."""
    ranked = field_scores(record).most_common()
    if not ranked:
        return [default]
    codes = [ranked[0][0]]
    if len(ranked) > 1 and ranked[1][1] >= 2:
        codes.append(ranked[1][0])
    return codes


# --- making the data file ----------------------------------------------------------------------------------


def _digest(*parts: object) -> int:
    """A stable number from the parts (the same on every machine and run, unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def _eligible(record: dict[str, Any]) -> bool:
    """Licence, form and subject of a record fit a demo achievement."""
    if not record["id"].startswith("cx-"):
        return False  # ChinaXiv (CC BY 4.0) only; see DEMO_SOURCES.md for why CSL records are left out.
    title = record["title"]
    if not 8 <= len(title) <= 150 or re.search(r"[\\*①②③]|[\u4e00-\u9fff]\d$", title):
        return False  # footnote marks and cut titles from the PDF conversion
    if record["lang"] == "en" and not title[0].isupper():
        return False  # a title cut at its start
    if len(record["keywords"]) < (3 if record["lang"] == "zh" else 2):
        return False
    if record["lang"] == "zh" and len(record["abstract"]) < 150:
        return False
    if re.search(r"[A-Za-z]{22,}", record["abstract"]):
        return False  # English words glued together by the PDF conversion
    if NOT_A_TECHNOLOGY.search(title + " " + " ".join(record["keywords"])):
        return False
    ranked = field_scores(record).most_common(1)
    return bool(ranked) and ranked[0][1] >= 3


def select_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The demo subset of the matching development set, in the order the loader uses it:
    the exhibition's items, then :data:`ZH_RECORDS` Chinese and :data:`EN_RECORDS` English records
    in a stable pseudo-random order (by a hash of the id)."""
    by_id = {r["id"]: r for r in records}
    chosen = [by_id[i] for i in EXHIBITION_IDS]
    wanted = {"zh": ZH_RECORDS - sum(r["lang"] == "zh" for r in chosen),
              "en": EN_RECORDS - sum(r["lang"] == "en" for r in chosen)}
    for record in sorted(by_id.values(), key=lambda r: _digest("order", r["id"])):
        if record["id"] in EXHIBITION_IDS or wanted.get(record["lang"], 0) <= 0 or not _eligible(record):
            continue
        chosen.append(record)
        wanted[record["lang"]] -= 1
    keys = ("id", "lang", "title", "abstract", "keywords", "field", "source")
    return [{k: r[k] for k in keys} for r in chosen]


def write_data_file(source: str | Path, target: str | Path = DATA_FILE) -> int:
    """Make ``data/demo_achievements.jsonl`` from the development set's ``achievements.jsonl``::

        duijie shell -c "from duijie.supply.demo import write_data_file; \\
            write_data_file('/work/shared/data/matching-dev/achievements.jsonl')"
    """
    with Path(source).open(encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    chosen = select_records(records)
    with Path(target).open("w", encoding="utf-8") as fh:
        for record in chosen:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(chosen)


def read_records() -> list[dict[str, Any]]:
    with DATA_FILE.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --- what the loader derives from a record -----------------------------------------------------------------

_SENTENCE_END = re.compile(r"[。！？]|[.!?](?=\s)")


def clean_text(text: str, language: str) -> str:
    """Whitespace normalised; in English text also full-width punctuation folded and the space put back
    after a full stop or comma that lost it in the PDF conversion ("cells.The" → "cells. The",
    "steps,first" → "steps, first")."""
    if language == "en":
        text = unicodedata.normalize("NFKC", text)
        text = re.sub(r"(?<=[A-Za-z0-9)][.;])(?=[A-Z][a-z])|(?<=[A-Za-z)],)(?=[A-Za-z])", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def summary_from(abstract: str, limit: int = SUMMARY_LIMIT) -> str:
    """The abstract, cut after the last sentence that ends within ``limit`` characters."""
    text = re.sub(r"\s+", " ", abstract).strip()
    if len(text) <= limit:
        return text
    ends = [m.end() for m in _SENTENCE_END.finditer(text, 0, limit)]
    if ends and ends[-1] >= limit // 3:
        return text[:ends[-1]].rstrip()
    head = text[:limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:，；：、") + "…"


def chinaxiv_id(source: str) -> str:
    """``201903.00100`` from ``…:md/ChinaXiv-201903.00100V1.md``; empty if the source names none."""
    match = re.search(r"ChinaXiv-(\d{6}\.\d{5})", source)
    return match.group(1) if match else ""


def attribution(record: dict[str, Any], *, shortened: bool) -> tuple[str, str]:
    """The CC BY 4.0 attribution and notice of changes written into the description: (Chinese, English)."""
    paper = chinaxiv_id(record["source"])
    link = f"https://chinaxiv.org/abs/{paper}" if paper else "https://chinaxiv.org"
    zh = (
        f"演示数据：标题、摘要和关键词取自 ChinaXiv 预印本 {paper}（{link}），版权归作者与中国科学院 ChinaXiv 所有，"
        "依 CC BY 4.0 许可（https://creativecommons.org/licenses/by/4.0/）使用；"
        + ("摘要有删节，" if shortened else "")
        + "价格、成熟度、合作方式和知识产权信息为演示所编。本条目挂在演示机构名下仅为演示，并非该机构或作者发布的成果。"
    )
    en = (
        f"Demo data: title, abstract and keywords are taken from ChinaXiv preprint {paper} ({link}), "
        "© the authors and CAS ChinaXiv, used under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
        + ("; the abstract is shortened" if shortened else "")
        + ". Price, readiness, cooperation modes and IP details are invented for the demo. Listing it under "
        "a demo institution is for demonstration only: neither the institution nor the authors offered it here."
    )
    return zh, en


def _ip_asset(record: dict[str, Any], title: str, today: date) -> services.IPAssetData | None:
    """About two in five items of a Chinese institution carry a CN invention patent: granted when the
    (invented) grant date has passed, else filed. The application number has a valid check digit."""
    rid = record["id"]
    if _digest("ip", rid) % 5 >= 2:
        return None
    year = 2016 + _digest("ip-year", rid) % 6
    body = f"{year}1{_digest('ip-serial', rid) % 10_000_000:07d}"
    number = f"CN{body}.{cn_application_check_digit(body)}"
    filed = date(year, 1 + _digest("ip-month", rid) % 12, 1 + _digest("ip-day", rid) % 28)
    granted = filed + timedelta(days=540 + _digest("ip-grant", rid) % 720)
    if _digest("ip-status", rid) % 3 == 0 or granted > today:
        return services.IPAssetData(ip_type=IPType.INVENTION_PATENT, number=number, jurisdiction="CN",
                                    status=IPStatus.FILED, title=title[:300], filing_date=filed)
    return services.IPAssetData(ip_type=IPType.INVENTION_PATENT, number=number, jurisdiction="CN",
                                status=IPStatus.GRANTED, title=title[:300], filing_date=filed, grant_date=granted)


CNY_FROM = (200_000, 300_000, 500_000, 800_000, 1_000_000, 1_500_000, 3_000_000, 5_000_000)
GBP_FROM = (20_000, 35_000, 50_000, 80_000, 120_000, 250_000)


def _price(index: int, record: dict[str, Any], org_key: str) -> dict[str, Any]:
    """Every other item is negotiable; the rest ask a range, in GBP at UK universities, else CNY."""
    if index % 2 == 0:
        return {"price_type": PriceType.NEGOTIABLE, "currency": "GBP" if org_key in UK_INSTITUTIONS else "CNY"}
    steps = GBP_FROM if org_key in UK_INSTITUTIONS else CNY_FROM
    low = steps[_digest("price", record["id"]) % len(steps)]
    factor = (2, 3, 5)[_digest("price-range", record["id"]) % 3]
    return {"price_type": PriceType.RANGE, "price_min": Decimal(low), "price_max": Decimal(low * factor),
            "currency": "GBP" if org_key in UK_INSTITUTIONS else "CNY"}


def _assign(records: list[dict[str, Any]]) -> list[str]:
    """The owning institution of each record, decided in file order (so every run gives the same
    owners): one of its language's institutions, the least-loaded of those known for
    the record's field unless that would put it more than two items ahead, else the least-loaded one.
    The exhibition's items go to the universities that took part in the 2021 week."""
    load: Counter[str] = Counter()
    owners: list[str] = []
    for record in records:
        candidates: tuple[str, ...] = ZH_INSTITUTIONS if record["lang"] == "zh" else EN_INSTITUTIONS
        if record["id"] in EXHIBITION_IDS:
            candidates = EXHIBITION_OWNERS[record["lang"]]
        top = field_codes_for(record, "")[0].split(".", 1)[0]
        preferred = [k for k in candidates if top in AFFINITY[k]]
        pool = [k for k in preferred if load[k] <= min(load[c] for c in candidates) + 2] or list(candidates)
        owner = min(pool, key=lambda k: (load[k], candidates.index(k)))
        load[owner] += 1
        owners.append(owner)
    return owners


# --- experts -------------------------------------------------------------------------------------------------

FICTIONAL_ZH = "（演示资料，虚构人物。）"
FICTIONAL_EN = "(Fictional demo profile.)"
FICTIONAL_RU = "(Вымышленный демонстрационный профиль.)"


@dataclass(frozen=True)
class ExpertSpec:
    org: str
    name: str
    name_en: str
    title: str
    fields: tuple[str, ...]
    directions: tuple[tuple[str, str], ...]  # (language, text)
    bio: str
    consulting: bool = True
    part_time: bool = False


def _zh_en(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """Chinese directions, then the same in English."""
    return tuple(("zh-hans", zh) for zh, _ in pairs) + tuple(("en", en) for _, en in pairs)


def _lang(language: str, *texts: str) -> tuple[tuple[str, str], ...]:
    return tuple((language, text) for text in texts)


EXPERTS: tuple[ExpertSpec, ...] = (
    # --- Xi'an Jiaotong-Liverpool University ---
    ExpertSpec(
        "xjtlu", "张晓岚", "Zhang Xiaolan", "副教授", ("intelligent-equipment.industrial-robots",
                                                       "advanced-manufacturing.forming-joining"),
        _zh_en(("厚板多层多道焊路径规划", "Multi-pass weld path planning for thick plate"),
               ("激光视觉焊缝跟踪", "Laser-vision weld seam tracking"),
               ("焊缝质量在线检测", "In-line weld quality inspection")),
        "智能工程学院副教授，研究焊接机器人的路径规划与焊缝视觉检测，与长三角钢结构企业开展横向合作。" + FICTIONAL_ZH,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "xjtlu", "陈思远", "Chen Siyuan", "教授", ("ai.computer-vision", "biomedicine.medical-imaging"),
        _zh_en(("基于生成对抗网络的医学图像增强", "GAN-based medical image enhancement"),
               ("染色体图像自动校直与核型分析", "Automatic chromosome straightening and karyotyping")),
        "教授，从事医学影像智能分析研究，团队成果曾在中英科技交流活动中路演。" + FICTIONAL_ZH,
    ),
    ExpertSpec(
        "xjtlu", "王慧敏", "Wang Huimin", "副教授", ("environment.water-treatment",
                                                     "environment.ecological-restoration"),
        _zh_en(("高盐工业废水低能耗处理", "Low-energy treatment of high-salinity industrial wastewater"),
               ("城市河湖生态修复", "Ecological restoration of urban rivers and lakes")),
        "副教授，研究工业废水处理工艺与水生态修复，参与多项地方水环境治理项目。" + FICTIONAL_ZH,
        consulting=True, part_time=False,
    ),
    ExpertSpec(
        "xjtlu", "李卓然", "Li Zhuoran", "教授", ("healthcare.digital-health", "ai.machine-learning"),
        _zh_en(("糖尿病视网膜病变智能筛查", "AI screening for diabetic retinopathy"),
               ("可穿戴设备健康监测", "Health monitoring with wearable devices"),
               ("医疗数据机器学习", "Machine learning on clinical data")),
        "教授，研究面向基层医疗的智能筛查设备与健康数据分析。" + FICTIONAL_ZH,
        consulting=False, part_time=False,
    ),
    # --- Jiangsu University ---
    ExpertSpec(
        "ujs", "冯婉清", "Feng Wanqing", "教授", ("biomedicine.biologics", "biomedicine.innovative-drugs"),
        _zh_en(("药用右旋糖酐的生物合成", "Biosynthesis of medicinal dextran"),
               ("多糖类药用辅料", "Polysaccharide pharmaceutical excipients"),
               ("肿瘤免疫治疗增效药物", "Drugs that enhance cancer immunotherapy")),
        "药学院教授，研究微生物多糖的可控合成及其药用，与医药企业合作开展工艺放大。" + FICTIONAL_ZH,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "ujs", "袁志强", "Yuan Zhiqiang", "研究员", ("new-energy.energy-efficiency",
                                                     "advanced-manufacturing.industrial-software"),
        _zh_en(("泵与流体机械节能设计", "Energy-efficient design of pumps and fluid machinery"),
               ("流体机械数值模拟与优化", "Numerical simulation and optimisation of fluid machinery")),
        "研究员，长期从事泵类流体机械的水力设计与节能改造。" + FICTIONAL_ZH,
    ),
    ExpertSpec(
        "ujs", "邵明辉", "Shao Minghui", "教授", ("modern-agriculture.agricultural-machinery",
                                                  "modern-agriculture.smart-agriculture"),
        _zh_en(("精量播种装备", "Precision seeding equipment"),
               ("农机自动导航与作业监测", "Automatic guidance and operation monitoring of farm machinery")),
        "农业工程学院教授，研究精量播种与农机智能化装备。" + FICTIONAL_ZH,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "ujs", "程雪", "Cheng Xue", "副教授", ("advanced-manufacturing.surface-remanufacturing",
                                               "new-materials.advanced-metals"),
        _zh_en(("激光熔覆与表面强化", "Laser cladding and surface strengthening"),
               ("耐蚀耐磨合金涂层", "Corrosion- and wear-resistant alloy coatings")),
        "材料科学与工程学院副教授，研究关键零部件的表面工程与再制造。" + FICTIONAL_ZH,
        consulting=False, part_time=False,
    ),
    # --- Nanjing University of Science and Technology ---
    ExpertSpec(
        "njust", "周立诚", "Zhou Licheng", "教授", ("intelligent-equipment.inspection-assembly",
                                                    "ic-electronics.optoelectronics-display"),
        _zh_en(("光电精密检测", "Optoelectronic precision inspection"),
               ("机器视觉在线检测系统", "Machine-vision in-line inspection systems")),
        "教授，研究光电检测仪器与工业视觉检测系统。" + FICTIONAL_ZH,
    ),
    ExpertSpec(
        "njust", "孙蕾", "Sun Lei", "副教授", ("aerospace.uav", "aerospace.avionics"),
        _zh_en(("无人机全自主飞行控制", "Fully autonomous flight control for UAVs"),
               ("复杂环境感知与避障", "Perception and obstacle avoidance in complex environments"),
               ("多机协同任务规划", "Cooperative mission planning for UAV swarms")),
        "副教授，研究无人机飞行控制与自主导航，与无人机企业开展联合攻关。" + FICTIONAL_ZH,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "njust", "韩振宇", "Han Zhenyu", "研究员", ("new-materials.composites", "new-materials.advanced-metals"),
        _zh_en(("超细晶与纳米晶溅射靶材", "Ultrafine-grain and nanocrystalline sputtering targets"),
               ("高性能复合材料成型", "Forming of high-performance composites")),
        "研究员，研究先进金属与复合材料的制备和成型工艺。" + FICTIONAL_ZH,
        consulting=False, part_time=False,
    ),
    # --- Nanjing Tech University ---
    ExpertSpec(
        "njtech", "蒋雨桐", "Jiang Yutong", "教授", ("new-energy.solar", "new-materials.energy-materials"),
        _zh_en(("钙钛矿薄膜稳定性", "Stability of perovskite films"),
               ("大面积钙钛矿/晶硅叠层组件封装", "Encapsulation of large-area perovskite/silicon tandem modules")),
        "教授，研究钙钛矿光伏材料与器件，推动大面积组件中试。" + FICTIONAL_ZH,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "njtech", "许明哲", "Xu Mingzhe", "教授", ("environment.water-treatment", "new-materials.ceramics"),
        _zh_en(("陶瓷膜分离技术", "Ceramic membrane separation"),
               ("化工废水资源化", "Resource recovery from chemical wastewater"),
               ("膜过程节能", "Energy saving in membrane processes")),
        "教授，研究陶瓷膜材料与膜分离过程，成果在化工和环保行业应用。" + FICTIONAL_ZH,
    ),
    ExpertSpec(
        "njtech", "唐佳怡", "Tang Jiayi", "副教授", ("biomedicine.biologics", "advanced-manufacturing.green-manufacturing"),
        _zh_en(("工业酶工程", "Industrial enzyme engineering"),
               ("生物基化学品绿色制造", "Green manufacturing of bio-based chemicals")),
        "生物与制药工程学院副教授，研究工业生物催化与发酵工艺。" + FICTIONAL_ZH,
        consulting=False, part_time=True,
    ),
    # --- University of Electronic Science and Technology of China ---
    ExpertSpec(
        "uestc", "杨景川", "Yang Jingchuan", "教授", ("ic-electronics.ic-design",),
        _zh_en(("超高速模数转换器芯片", "Ultra-high-speed ADC chips"),
               ("高速串行接口电路", "High-speed serial interface circuits")),
        "集成电路科学与工程学院教授，研究高速数模混合集成电路设计。" + FICTIONAL_ZH,
        consulting=True, part_time=False,
    ),
    ExpertSpec(
        "uestc", "邱一帆", "Qiu Yifan", "研究员", ("ic-electronics.iot", "ic-electronics.ic-design"),
        _zh_en(("自供能RFID微系统", "Self-powered RFID micro-systems"),
               ("无源物联网标签芯片", "Passive IoT tag chips"),
               ("能量采集电路", "Energy-harvesting circuits")),
        "研究员，研究低功耗物联网芯片与微系统集成。" + FICTIONAL_ZH,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "uestc", "何静怡", "He Jingyi", "副教授", ("ic-electronics.semiconductor-equipment",),
        _zh_en(("MOS控制二极管等功率器件", "Power devices such as MOS-controlled diodes"),
               ("宽禁带半导体器件可靠性", "Reliability of wide-bandgap semiconductor devices")),
        "副教授，研究功率半导体器件的结构设计与可靠性。" + FICTIONAL_ZH,
        consulting=False, part_time=False,
    ),
    ExpertSpec(
        "uestc", "谢宇航", "Xie Yuhang", "教授", ("ic-electronics.communications",),
        _zh_en(("毫米波射频前端", "Millimetre-wave RF front ends"),
               ("太赫兹通信", "Terahertz communications")),
        "教授，研究毫米波与太赫兹电路及通信系统。" + FICTIONAL_ZH,
    ),
    # --- Suzhou Institute of Nanotechnology (fictional) ---
    ExpertSpec(
        "nano_institute", "沈一鸣", "Shen Yiming", "研究员", ("new-materials.nanomaterials",
                                                              "ic-electronics.optoelectronics-display"),
        _zh_en(("柔性电子与可穿戴器件", "Flexible electronics and wearable devices"),
               ("纳米器件中试工艺", "Pilot-line processes for nano devices")),
        "研究员，纳米器件研究部负责人，带领团队通过园区路演平台完成融资。" + FICTIONAL_ZH,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "nano_institute", "赵若彤", "Zhao Ruotong", "副研究员", ("biomedicine.ivd", "new-materials.nanomaterials"),
        _zh_en(("纳米生物传感", "Nano-biosensing"),
               ("即时检测芯片", "Point-of-care testing chips"),
               ("微流控样本前处理", "Microfluidic sample preparation")),
        "副研究员，研究纳米材料在体外诊断中的应用。" + FICTIONAL_ZH,
    ),
    ExpertSpec(
        "nano_institute", "吕博文", "Lü Bowen", "高级工程师", ("new-materials.electronic-materials",
                                                                 "intelligent-equipment.sensing-control"),
        _zh_en(("高精度长行程多层压电陶瓷驱动器", "High-precision long-stroke multilayer piezo-ceramic actuators"),
               ("微纳加工工艺", "Micro- and nano-fabrication processes")),
        "高级工程师，负责微纳加工中试平台，服务企业样品试制。" + FICTIONAL_ZH,
        consulting=True, part_time=False,
    ),
    # --- University of Liverpool ---
    ExpertSpec(
        "liverpool", "Sarah Whitfield", "Sarah Whitfield", "Senior Lecturer",
        ("advanced-manufacturing.additive-manufacturing", "advanced-manufacturing.forming-joining"),
        _lang("en", "Laser-based additive manufacturing of metals", "In-process monitoring of welding",
              "Residual stress in joined structures"),
        "Senior Lecturer in the School of Engineering, working with manufacturers on laser processing and "
        "joining. " + FICTIONAL_EN,
        consulting=True, part_time=False,
    ),
    ExpertSpec(
        "liverpool", "Daniel Ashworth", "Daniel Ashworth", "Professor",
        ("new-materials.energy-materials", "environment.ccus"),
        _lang("en", "Porous materials for carbon capture", "Catalyst discovery with automated laboratories"),
        "Professor of materials chemistry; leads industry projects on functional materials for energy and "
        "carbon capture. " + FICTIONAL_EN,
        consulting=True, part_time=True,
    ),
    # --- Swansea University ---
    ExpertSpec(
        "swansea", "Megan Howells", "Megan Howells", "Associate Professor",
        ("new-energy.solar", "new-energy.energy-efficiency"),
        _lang("en", "Printed photovoltaics for buildings", "Energy-positive building systems",
              "Durability testing of coated steel"),
        "Associate Professor working on printed solar cells and buildings that generate, store and release "
        "their own energy. " + FICTIONAL_EN,
        consulting=True, part_time=True,
    ),
    ExpertSpec(
        "swansea", "Huw Penrose", "Huw Penrose", "Professor",
        ("biomedicine.implants-consumables", "healthcare.rehabilitation"),
        _lang("en", "Computational modelling of orthopaedic implants", "Wearable devices for rehabilitation"),
        "Professor of medical engineering; develops and tests implants and rehabilitation devices with "
        "clinical partners. " + FICTIONAL_EN,
        consulting=False, part_time=False,
    ),
    # --- Institute of Materials Science and Innovation (fictional, Moscow) ---
    ExpertSpec(
        "ru_centre", "Елена Сергеевна Морозова", "Elena Morozova", "Ведущий научный сотрудник",
        ("new-materials.ceramics", "new-materials.advanced-metals"),
        _lang("ru", "Жаростойкие керамические покрытия", "Порошковая металлургия тугоплавких сплавов",
              "Аддитивное производство металлических деталей"),
        "Ведущий научный сотрудник, кандидат технических наук; занимается покрытиями и сплавами для "
        "высокотемпературного оборудования. " + FICTIONAL_RU,
        consulting=True, part_time=False,
    ),
    ExpertSpec(
        "ru_centre", "Дмитрий Алексеевич Лебедев", "Dmitry Lebedev", "Заведующий лабораторией",
        ("ai.machine-learning", "intelligent-equipment.sensing-control"),
        _lang("ru", "Машинное обучение для диагностики промышленного оборудования",
              "Интеллектуальные системы управления"),
        "Заведующий лабораторией интеллектуальных систем, кандидат физико-математических наук. " + FICTIONAL_RU,
        consulting=True, part_time=True,
    ),
)


# --- the exhibition ------------------------------------------------------------------------------------------

EXHIBITION_TITLE = "2021 江苏—英国科技交流周"
EXHIBITION_TITLE_EN = "2021 Jiangsu–UK Technology Exchange Week"
EXHIBITION_INTRO = (
    "2021 江苏—英国科技交流周由中英合作大学联合英国—江苏大学联盟在线举办，主题是深化国际科技合作、推动科研与产业融合，"
    "聚焦先进制造、医疗健康和环境工程三个领域。线上科技展厅展出中英高校的前沿科研项目和联盟高校的重点研究方向，"
    "交流周结束后长期开放，企业、高校和科研院所可随时浏览并提交对接需求；同期举办云路演和点对点对接。"
    "本展厅为演示内容，展品取自公开的预印本资料。"
)
EXHIBITION_INTRO_EN = (
    "The 2021 Jiangsu–UK Technology Exchange Week was run online by a Sino-British university with the UK–Jiangsu "
    "university alliance to deepen international S&T cooperation and bring research and industry together, in "
    "three fields: advanced manufacturing, healthcare and environmental engineering. Its online exhibition hall "
    "shows frontier research projects from Chinese and UK universities and stays open after the week, so that "
    "companies, universities and institutes can browse and send docking requests; cloud roadshows and "
    "one-to-one docking ran alongside. This hall is demo content; its items are drawn from public preprints."
)


# --- the loader ----------------------------------------------------------------------------------------------


@contextmanager
def _without_mail() -> Iterator[None]:
    """Drop the e-mails services queue inside the block (they would go out on commit)."""
    connection = transaction.get_connection()
    with transaction.atomic():
        queued = len(connection.run_on_commit)
        yield
        connection.run_on_commit[queued:] = [
            entry for entry in connection.run_on_commit[queued:]
            if getattr(entry[1], "__module__", "") != "duijie.core.mail"
        ]


def _admins() -> dict[str, str]:
    return {spec.key: spec.admin for spec in ORGANISATIONS}


def _load_experts(ctx: DemoContext) -> None:
    admins = _admins()
    numbers: Counter[str] = Counter()
    for spec in EXPERTS:
        organisation = ctx[f"org.{spec.org}"]
        numbers[spec.org] += 1

        def create(spec: ExpertSpec = spec, organisation: Any = organisation) -> Expert:
            return services.expert_create(
                actor=ctx[f"user.{admins[spec.org]}"], organisation=organisation, name=spec.name,
                name_en=spec.name_en, title=spec.title, field_codes=list(spec.fields),
                directions=list(spec.directions), bio=spec.bio, available_for_consulting=spec.consulting,
                available_part_time=spec.part_time,
            )

        ctx.get_or_create(
            Expert, lookup={"organisation": organisation, "name": spec.name}, create=create,
            name=f"expert.{spec.org}.{numbers[spec.org]}", label=f"{spec.name} @ {spec.org}",
        )


def _achievement_data(
    index: int, record: dict[str, Any], org_key: str, field_ids: dict[str, int], mode_ids: list[int],
    contact: Any, today: date,
) -> services.AchievementData:
    rid = record["id"]
    title = clean_text(record["title"], record["lang"])
    abstract = clean_text(record["abstract"], record["lang"])
    summary = summary_from(abstract)
    codes = field_codes_for(record, DEFAULT_FIELD[org_key])
    first_mode = _digest("modes", rid) % len(mode_ids)
    mode_count = 1 + _digest("mode-count", rid) % 3
    zh, en = attribution(record, shortened=len(summary) < len(abstract))
    ip = _ip_asset(record, title, today) if org_key in ZH_INSTITUTIONS else None
    return services.AchievementData(
        title=title,
        summary=summary,
        language=ContentLanguage.ZH_HANS if record["lang"] == "zh" else ContentLanguage.EN,
        description=f"{zh}\n\n{en}" if record["lang"] == "zh" else f"{en}\n\n{zh}",
        keywords=[clean_text(k, record["lang"]) for k in record["keywords"] if k.strip()][:MAX_DEMO_KEYWORDS],
        field_ids=[field_ids[c] for c in codes if c in field_ids],
        cooperation_mode_ids=[mode_ids[(first_mode + i) % len(mode_ids)] for i in range(mode_count)],
        trl=2 + _digest("trl", rid) % 7,
        attribute=AchievementAttribute.SECONDARY if _digest("attribute", rid) % 6 == 0
        else AchievementAttribute.ORIGINAL,
        contact_name=contact.full_name,
        contact_email=contact.email,
        external_id=rid,
        ip_assets=[ip] if ip else [],
        **_price(index, record, org_key),
    )


def _load_achievements(ctx: DemoContext) -> None:
    records = read_records()
    owners = _assign(records)
    admins = _admins()
    operator = ctx["user.operator"]
    checklist = list(ScreeningCheck.ITEMS)
    field_ids = dict(TechField.objects.values_list("code", "pk"))
    mode_ids = list(CooperationMode.objects.order_by("sort_order", "pk").values_list("pk", flat=True))
    today = timezone.localdate()
    organisations = {key: ctx[f"org.{key}"] for key in (*ZH_INSTITUTIONS, *EN_INSTITUTIONS)}
    existing = {
        (a.organisation_id, a.external_id): a
        for a in Achievement.objects.filter(
            organisation__in=organisations.values(), external_id__in=[r["id"] for r in records]
        )
    }
    for index, (record, org_key) in enumerate(zip(records, owners, strict=True)):
        organisation = organisations[org_key]
        label = f"{record['id']} @ {org_key}"
        found = existing.get((organisation.pk, record["id"]))
        if found is not None:
            ctx.record(found, created=False, label=label)
            ctx[f"achievement.{record['id']}"] = found
            continue
        owner = ctx[f"user.{admins[org_key]}"]
        data = _achievement_data(index, record, org_key, field_ids, mode_ids, owner, today)
        achievement = services.achievement_create(actor=owner, organisation=organisation, data=data)
        services.achievement_transition(actor=owner, achievement=achievement, name="submit")
        services.achievement_transition(actor=operator, achievement=achievement, name="publish", checklist=checklist)
        ctx.record(achievement, created=True, label=label)
        ctx[f"achievement.{record['id']}"] = achievement


def _load_exhibition(ctx: DemoContext) -> None:
    # Only what is public now: a person may have returned or archived a demo item since the last run.
    candidates = [ctx[f"achievement.{i}"].pk for i in EXHIBITION_IDS if f"achievement.{i}" in ctx]
    public = set(Achievement.objects.filter(pk__in=candidates, status__in=PUBLIC_STATUSES).values_list("pk", flat=True))
    featured = [pk for pk in candidates if pk in public]

    def create() -> Exhibition:
        return services.exhibition_create(
            actor=ctx["user.operator"], slug=EXHIBITION_SLUG, title=EXHIBITION_TITLE, title_en=EXHIBITION_TITLE_EN,
            intro=EXHIBITION_INTRO, intro_en=EXHIBITION_INTRO_EN, starts_on=date(2021, 11, 1),
            ends_on=date(2021, 11, 7), achievement_ids=featured, is_published=True,
        )

    exhibition, created = ctx.get_or_create(
        Exhibition, lookup={"slug": EXHIBITION_SLUG}, create=create, name="exhibition.jiangsu_uk_2021",
        label=EXHIBITION_TITLE_EN,
    )
    for item in exhibition.items.all():
        ctx.record(item, created=created, label=f"{EXHIBITION_SLUG}: achievement {item.achievement_id}")


def load(ctx: DemoContext) -> None:
    """Experts, then achievements (created, submitted, published), then the exhibition that features some."""
    with _without_mail():
        _load_experts(ctx)
        _load_achievements(ctx)
        _load_exhibition(ctx)
