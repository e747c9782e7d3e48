"""Word lists for the synthetic demo store (hhdesk.tools.demo): names, places, conditions, directory, plan texts.

Everything here is invented for demonstrations and benchmarks. Names mix many origins and spellings with
accents on purpose, so that search, sorting, printing and the encrypted file are exercised with them.
Phone numbers use the 555-01xx block reserved for fiction, e-mail addresses the reserved ``.example``
domain; the agency's NPI and every directory NPI are test numbers with a valid check digit.
"""

from __future__ import annotations

from dataclasses import dataclass

from hhdesk.domain.enums import NeedDomain, ReferralCategory, TransitionSetting

# ---- the agency ----------------------------------------------------------------------------------------

AGENCY_NAME = "Riverside Health Home"
AGENCY_ADDRESS = ("412 River Street", "Suite 200", "Troy", "NY", "12180")
AGENCY_ZIP4 = "121802834"
AGENCY_PHONE = "(518) 555-0140"
AGENCY_FAX = "(518) 555-0141"
AGENCY_NPI = "1234567893"  # the customary test NPI: valid check digit, never issued to a real provider
AGENCY_MEDICAID_PROVIDER_ID = "03417285"
AGENCY_EIN = "123456789"  # 12-3456789
AGENCY_TAXONOMY = "251S00000X"  # Community/Behavioral Health agency
AGENCY_EMAIL_DOMAIN = "riversidehealthhome.example"


@dataclass(frozen=True)
class StaffSeed:
    username: str
    full_name: str
    role: str
    phone: str


STAFF: tuple[StaffSeed, ...] = (
    StaffSeed("mperez", "María Pérez", "care_manager", "(518) 555-0143"),
    StaffSeed("dwilliams", "DeShawn Williams", "care_manager", "(518) 555-0144"),
    StaffSeed("echen", "Emily Chen", "care_manager", "(518) 555-0145"),
    StaffSeed("kmensah", "Kwame Mensah", "care_manager", "(518) 555-0146"),
    StaffSeed("rgoldberg", "Rebecca Goldberg", "supervisor", "(518) 555-0147"),
    StaffSeed("tkowalski", "Thomas Kowalski", "billing", "(518) 555-0148"),
    StaffSeed("adesai", "Anita Desai", "read_only", "(518) 555-0149"),
)

# ---- people --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameGroup:
    """Names of one origin, with the languages its members speak (weights) and its share of members."""

    key: str
    weight: int
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    languages: tuple[tuple[str, int], ...]
    female_last_suffix: str = ""  # Russian surnames take -a for women


NAME_GROUPS: tuple[NameGroup, ...] = (
    NameGroup(
        "english", 44,
        female=("Zoë", "Chloé", "Mary", "Patricia", "Linda", "Barbara", "Elizabeth", "Jennifer", "Susan",
                "Dorothy", "Karen", "Nancy", "Lisa", "Ashley", "Brittany", "Keisha", "Tamika", "Shanice",
                "Renée", "Amélie", "Noémie", "Ingrid", "Astrid", "Siobhán", "Aoife", "Deborah", "Denise"),
        male=("François", "Søren", "James", "John", "Robert", "Michael", "William", "David", "Richard",
              "Joseph", "Thomas", "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Kevin", "Brian",
              "Tyrone", "DeShawn", "Marcus", "Andre", "Jérôme", "René", "Björn", "Seán", "Kwame", "Chidi"),
        last=("O'Brien", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
              "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "White", "Harris", "Martin", "Thompson",
              "Robinson", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green",
              "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Murphy",
              "Kelly", "Sullivan", "McCarthy", "Kowalski", "Nowak", "Schneider", "Müller", "Côté", "Gagnon",
              "Bélanger", "Østergaard", "Søndergaard", "Lindqvist", "Åberg", "D'Angelo", "Russo",
              "Esposito", "Washington", "Jefferson", "Okafor", "Mensah", "Adeyemi", "Diallo", "Smith-Jones"),
        languages=(("English", 1),),
    ),
    NameGroup(
        "hispanic", 24,
        female=("María", "Ana", "Lucía", "Carmen", "Rosa", "Sofía", "Valentina", "Yesenia", "Guadalupe",
                "Marisol", "Inés", "Begoña", "Iris"),
        male=("José", "Luis", "Carlos", "Jesús", "Juan", "Andrés", "Raúl", "Héctor", "Ramón", "Joaquín",
              "Tomás", "Efraín"),
        last=("Núñez", "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
              "Sánchez", "Ramírez", "Torres", "Ortiz", "Rivera", "Peña", "Muñoz", "Jiménez", "Díaz", "Cruz",
              "Morales", "Santiago", "Colón", "Acevedo", "Báez", "Ibáñez"),
        languages=(("Spanish", 6), ("English", 4)),
    ),
    NameGroup(
        "vietnamese", 4,
        female=("Thị Mai", "Thị Hương", "Ngọc Anh", "Thu Trang", "Thị Lan"),
        male=("Văn Minh", "Đức Anh", "Quang Huy", "Minh Tuấn", "Văn Hùng"),
        last=("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng"),
        languages=(("English", 1),),
    ),
    NameGroup(
        "chinese", 7,
        female=("Mei", "Xiu Ying", "Li Na", "Jing", "Yan", "Hui"),
        male=("Wei", "Jian", "Hao", "Jun", "Zhi Qiang", "Bo"),
        last=("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Lin", "Wu", "Zhou"),
        languages=(("Chinese", 7), ("English", 3)),
    ),
    NameGroup(
        "haitian", 7,
        female=("Marie-Claude", "Nadège", "Fabienne", "Guerline", "Widline", "Mirlande"),
        male=("Jean-Robert", "Wilner", "Fritz", "Réginald", "Stévenson", "Jean-Claude"),
        last=("Jean-Baptiste", "Pierre", "Joseph", "Louis", "Charles", "Désir", "Théodore", "Saint-Fleur",
              "Étienne"),
        languages=(("Haitian Creole", 6), ("English", 4)),
    ),
    NameGroup(
        "russian", 7,
        female=("Olga", "Natalia", "Svetlana", "Irina", "Tatiana", "Lyudmila"),
        male=("Dmitri", "Sergei", "Alexei", "Mikhail", "Yuri", "Viktor"),
        last=("Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Sokolov", "Fyodorov"),
        languages=(("Russian", 6), ("English", 4)),
        female_last_suffix="a",
    ),
    NameGroup(
        "bengali", 7,
        female=("Fatema", "Nasrin", "Ayesha", "Shirin", "Rupa", "Taslima"),
        male=("Mohammed", "Abdul", "Rafiq", "Kamal", "Shahid", "Anwar"),
        last=("Rahman", "Hossain", "Ahmed", "Chowdhury", "Islam", "Uddin", "Das", "Miah"),
        languages=(("Bengali", 7), ("English", 3)),
    ),
)

NAME_GROUP_BY_KEY = {group.key: group for group in NAME_GROUPS}

# (first, last, sex, name group, language or "" to draw one): members every demo store has, in this order.
NAMED_MEMBERS: tuple[tuple[str, str, str, str, str], ...] = (
    ("José", "Núñez", "M", "hispanic", "Spanish"),
    ("Thị Mai", "Nguyễn", "F", "vietnamese", "English"),
    ("Zoë", "O'Brien", "F", "english", "English"),
    ("François", "Côté", "M", "english", "English"),
    ("Søren", "Østergaard", "M", "english", "English"),
)

PREFERRED_NAMES: dict[str, str] = {
    "Elizabeth": "Liz", "William": "Bill", "Robert": "Bobby", "Michael": "Mike", "Joseph": "Joe",
    "Dmitri": "Dima", "Mohammed": "Mo", "Guadalupe": "Lupe", "Jesús": "Chuy", "Patricia": "Patty",
    "Christopher": "Chris", "Anthony": "Tony", "Tatiana": "Tanya", "Alexei": "Lyosha", "Jean-Robert": "Bob",
}

CITY_ZIPS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Troy", ("12180", "12182"), 25),
    ("Albany", ("12202", "12203", "12206", "12208", "12209", "12210"), 25),
    ("Schenectady", ("12303", "12304", "12305", "12307", "12308"), 18),
    ("Cohoes", ("12047",), 6),
    ("Watervliet", ("12189",), 5),
    ("Rensselaer", ("12144",), 5),
    ("Amsterdam", ("12010",), 5),
    ("Saratoga Springs", ("12866",), 4),
    ("Latham", ("12110",), 3),
    ("Hudson", ("12534",), 2),
    ("Glens Falls", ("12801",), 1),
    ("Mechanicville", ("12118",), 1),
)
CITY_ZIP = {city: zips for city, zips, _ in CITY_ZIPS}

STREETS = (
    "River St", "Congress St", "Hoosick St", "5th Ave", "Lark St", "Central Ave", "Delaware Ave", "State St",
    "Union St", "Broadway", "Pawling Ave", "Madison Ave", "Clinton Ave", "Hamilton St", "Erie Blvd",
    "Van Vranken Ave", "Remsen St", "Ontario St", "Vliet St", "Main St", "Jay St", "Morton Ave",
    "Second Ave", "Washington Ave", "Crane St", "Eagle St", "Ferry St", "Liberty St",
)

PLANS: tuple[tuple[str, int], ...] = (
    ("CDPHP Medicaid", 24), ("Fidelis Care", 26), ("MVP Health Care", 20),
    ("UnitedHealthcare Community Plan", 12), ("Medicaid fee-for-service", 18),
)

SEX_WEIGHTS = (("F", 49), ("M", 49), ("X", 2))
GENDER_IDENTITIES = ("Transgender woman", "Transgender man", "Non-binary")

# ---- conditions (ICD-10-CM; descriptions are the official short titles) ---------------------------------

SMI_CODES: tuple[tuple[str, str], ...] = (
    ("F20.9", "Schizophrenia, unspecified"),
    ("F25.0", "Schizoaffective disorder, bipolar type"),
    ("F31.9", "Bipolar disorder, unspecified"),
    ("F31.81", "Bipolar II disorder"),
    ("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),
)
HIV_CODE = ("B20", "Human immunodeficiency virus [HIV] disease")
CHRONIC_CODES: tuple[tuple[str, str, int], ...] = (
    ("E11.9", "Type 2 diabetes mellitus without complications", 14),
    ("E11.65", "Type 2 diabetes mellitus with hyperglycemia", 5),
    ("E10.9", "Type 1 diabetes mellitus without complications", 2),
    ("I10", "Essential (primary) hypertension", 18),
    ("I50.9", "Heart failure, unspecified", 4),
    ("I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris", 3),
    ("I48.91", "Unspecified atrial fibrillation", 2),
    ("J45.909", "Unspecified asthma, uncomplicated", 9),
    ("J45.40", "Moderate persistent asthma, uncomplicated", 3),
    ("F32.1", "Major depressive disorder, single episode, moderate", 10),
    ("F33.1", "Major depressive disorder, recurrent, moderate", 5),
    ("F41.1", "Generalized anxiety disorder", 7),
    ("F43.10", "Post-traumatic stress disorder, unspecified", 5),
    ("F11.20", "Opioid dependence, uncomplicated", 5),
    ("F10.20", "Alcohol dependence, uncomplicated", 5),
    ("F14.20", "Cocaine dependence, uncomplicated", 2),
    ("E66.9", "Obesity, unspecified", 10),
    ("E66.01", "Morbid (severe) obesity due to excess calories", 3),
)
# Conditions recorded beside the qualifying ones, with no chronic category of their own.
OTHER_CODES: tuple[tuple[str, str], ...] = (
    ("J44.9", "Chronic obstructive pulmonary disease, unspecified"),
    ("N18.30", "Chronic kidney disease, stage 3 unspecified"),
    ("G40.909", "Epilepsy, unspecified, not intractable, without status epilepticus"),
)
# 'At risk of' entries: the code documents the finding; the category is what the member is at risk of.
AT_RISK: tuple[tuple[str, str, str], ...] = (
    ("R73.03", "Prediabetes: at risk of type 2 diabetes", "diabetes"),
    ("E78.5", "Hyperlipidemia, unspecified: at risk of heart disease", "heart_disease"),
    ("Z68.25", "Body mass index [BMI] 25.0-25.9, adult: at risk of obesity", "overweight"),
)

# ---- directory -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectorySeed:
    """One directory entry; ``group`` decides where it is used, ``role`` what it is on a care team.

    Categories are services.directory.DIRECTORY_CATEGORIES keys, roles its CARE_TEAM_ROLES keys.
    """

    kind: str  # person | organisation
    name: str
    organisation: str
    specialty: str
    categories: str
    city: str
    group: str
    role: str = ""
    has_npi: bool = True


def _person(name: str, org: str, specialty: str, categories: str, city: str, group: str, role: str,
            has_npi: bool = True) -> DirectorySeed:
    return DirectorySeed("person", name, org, specialty, categories, city, group, role, has_npi)


def _org(name: str, specialty: str, categories: str, city: str, group: str, role: str = "",
         has_npi: bool = True) -> DirectorySeed:
    return DirectorySeed("organisation", name, "", specialty, categories, city, group, role, has_npi)


DIRECTORY: tuple[DirectorySeed, ...] = (
    # Primary care (12)
    _person("Anjali Mehta, MD", "Hudson Valley Family Medicine", "Family medicine", "pcp", "Troy", "pcp", "pcp"),
    _person("Robert Kowalczyk, DO", "Hudson Valley Family Medicine", "Family medicine", "pcp", "Troy", "pcp", "pcp"),
    _person("Grace Oyelaran, MD", "Lansingburgh Community Health Center", "Internal medicine", "pcp", "Troy",
            "pcp", "pcp"),
    _person("Miguel Ángel Ferrer, MD", "Arbor Hill Family Health Center", "Family medicine", "pcp", "Albany",
            "pcp", "pcp"),
    _person("Susan Whitfield, NP", "Arbor Hill Family Health Center", "Family nurse practitioner", "pcp",
            "Albany", "pcp", "pcp"),
    _person("Daniel Hirsch, MD", "Capital Internal Medicine Associates", "Internal medicine", "pcp", "Albany",
            "pcp", "pcp"),
    _person("Li Wei Zhang, MD", "Capital Internal Medicine Associates", "Internal medicine", "pcp", "Albany",
            "pcp", "pcp"),
    _person("Hélène Dubois, MD", "Schenectady Family Health", "Family medicine", "pcp", "Schenectady", "pcp",
            "pcp"),
    _person("Kevin O'Connell, PA-C", "Schenectady Family Health", "Physician assistant, primary care", "pcp",
            "Schenectady", "pcp", "pcp"),
    _person("Farida Haque, MD", "Cohoes Primary Care", "Internal medicine", "pcp", "Cohoes", "pcp", "pcp"),
    _person("Thomas Brennan, MD", "Amsterdam Family Practice", "Family medicine", "pcp", "Amsterdam", "pcp",
            "pcp"),
    _person("Yolanda Reyes, NP", "Saratoga Community Health", "Adult nurse practitioner", "pcp",
            "Saratoga Springs", "pcp", "pcp"),
    # Psychiatry (5) and therapy (6)
    _person("Raj Patel, MD", "Troy Behavioral Health Clinic", "Psychiatry", "behavioural_health", "Troy",
            "psychiatrist", "psychiatrist"),
    _person("Ewa Nowicka, MD", "Capital Region Mental Health Associates", "Psychiatry", "behavioural_health",
            "Albany", "psychiatrist", "psychiatrist"),
    _person("Samuel Adeyemi, MD", "Capital Region Mental Health Associates", "Psychiatry",
            "behavioural_health", "Albany", "psychiatrist", "psychiatrist"),
    _person("Catherine Lemieux, PMHNP", "Schenectady Counseling Center", "Psychiatric nurse practitioner",
            "behavioural_health", "Schenectady", "psychiatrist", "psychiatrist"),
    _person("Jonathan Weiss, MD", "Northway Behavioral Hospital outpatient clinic", "Psychiatry",
            "behavioural_health", "Latham", "psychiatrist", "psychiatrist"),
    _person("Maribel Santos, LCSW", "Troy Behavioral Health Clinic", "Psychotherapy", "behavioural_health",
            "Troy", "therapist", "therapist"),
    _person("Aaron Fischer, LMHC", "Capital Region Mental Health Associates", "Mental health counselling",
            "behavioural_health", "Albany", "therapist", "therapist"),
    _person("Keisha Grant, LCSW", "Arbor Hill Family Health Center", "Psychotherapy", "behavioural_health",
            "Albany", "therapist", "therapist"),
    _person("Nadia Petrova, LCSW-R", "Schenectady Counseling Center", "Psychotherapy", "behavioural_health",
            "Schenectady", "therapist", "therapist"),
    _person("Brendan Walsh, LMHC", "Cohoes Counseling Services", "Mental health counselling",
            "behavioural_health", "Cohoes", "therapist", "therapist"),
    _person("Amara Okafor, LMFT", "Family Counseling of the Capital Region", "Marriage and family therapy",
            "behavioural_health", "Albany", "therapist", "therapist"),
    # Substance use (3)
    _org("Clearwater Recovery Center", "Detoxification and inpatient rehabilitation", "substance_use",
         "Rensselaer", "detox", "sud_counsellor"),
    _org("Capital Opioid Treatment Program", "Opioid treatment program (methadone, buprenorphine)",
         "substance_use", "Albany", "sud", "sud_counsellor"),
    _org("New Dawn Outpatient Addiction Services", "Outpatient substance use treatment", "substance_use",
         "Troy", "sud", "sud_counsellor"),
    # Pharmacies (5)
    _org("Riverside Community Pharmacy", "Retail pharmacy, blister packs", "pharmacy", "Troy", "pharmacy",
         "pharmacist"),
    _org("Lark Street Pharmacy", "Retail pharmacy", "pharmacy", "Albany", "pharmacy", "pharmacist"),
    _org("Central Avenue Drug", "Retail pharmacy, delivery", "pharmacy", "Albany", "pharmacy", "pharmacist"),
    _org("Schenectady Family Pharmacy", "Retail pharmacy", "pharmacy", "Schenectady", "pharmacy", "pharmacist"),
    _org("Hoosick Street Pharmacy", "Retail pharmacy, specialty HIV medications", "pharmacy", "Troy",
         "pharmacy", "pharmacist"),
    # Hospitals (4) and a skilled nursing facility
    _org("Hudson Crest Medical Center", "Acute care hospital with emergency department and psychiatric unit",
         "hospital;behavioural_health", "Troy", "hospital_psych"),
    _org("Albany Pine Hills Hospital", "Acute care hospital with emergency department", "hospital", "Albany",
         "hospital"),
    _org("Saint Brendan's Hospital", "Acute care hospital with emergency department", "hospital",
         "Schenectady", "hospital"),
    _org("Northway Behavioral Hospital", "Psychiatric hospital", "hospital;behavioural_health", "Latham",
         "hospital_psych_only"),
    _org("Pine Ridge Rehabilitation and Nursing Center", "Skilled nursing and short-term rehabilitation",
         "other", "Cohoes", "snf"),
    # Medical specialists (4)
    _person("Marcus Bell, MD", "Capital Cardiology Group", "Cardiology", "medical_specialty", "Albany",
            "cardiology", "specialist"),
    _person("Priya Raman, MD", "Hudson Endocrine and Diabetes Center", "Endocrinology", "medical_specialty",
            "Troy", "endocrinology", "specialist"),
    _person("Olga Sorokina, MD", "Capital Lung and Sleep", "Pulmonology", "medical_specialty", "Albany",
            "pulmonology", "specialist"),
    _person("Daniel Acheampong, MD", "Hudson Crest HIV and Infectious Disease Clinic", "Infectious disease",
            "medical_specialty", "Troy", "infectious", "specialist"),
    # Managed-care plan care managers (4), one per plan
    _person("Jennifer Lyons, RN", "CDPHP Medicaid", "Plan care manager", "mco", "Albany", "mco:CDPHP Medicaid",
            "mco_care_manager", has_npi=False),
    _person("Carlos Medina, LMSW", "Fidelis Care", "Plan care manager", "mco", "Albany", "mco:Fidelis Care",
            "mco_care_manager", has_npi=False),
    _person("Anne-Marie Tremblay, RN", "MVP Health Care", "Plan care manager", "mco", "Schenectady",
            "mco:MVP Health Care", "mco_care_manager", has_npi=False),
    _person("Derek Chu, LCSW", "UnitedHealthcare Community Plan", "Plan care manager", "mco", "Albany",
            "mco:UnitedHealthcare Community Plan", "mco_care_manager", has_npi=False),
    # Community agencies (16)
    _org("Troy Housing Assistance Network", "Rental assistance, eviction prevention", "housing", "Troy",
         "community", "housing_case_worker", has_npi=False),
    _org("Capital Region Supportive Housing", "Supportive housing applications and case management",
         "housing", "Albany", "community", "housing_case_worker", has_npi=False),
    _org("Albany Tenant Advocacy Project", "Tenant rights and housing court help", "housing;legal", "Albany",
         "community", has_npi=False),
    _org("Lansingburgh Food Pantry", "Food pantry, Tuesday and Saturday", "food", "Troy", "community",
         has_npi=False),
    _org("Regional Food Bank Mobile Pantry", "Mobile food pantry and SNAP help", "food;benefits",
         "Latham", "community", has_npi=False),
    _org("Hudson Meals at Home", "Home-delivered meals", "food", "Troy", "community", has_npi=False),
    _org("Capital Medical Transportation Line", "Medicaid ride booking for appointments", "transportation",
         "Albany", "community", has_npi=False),
    _org("Access Ride Paratransit of the Capital District", "Door-to-door paratransit", "transportation",
         "Albany", "community", has_npi=False),
    _org("Rensselaer County Benefits Navigation Office", "SNAP, SSI and Medicaid renewal help", "benefits",
         "Troy", "community", has_npi=False),
    _org("Benefits Access Counselling Project", "Work incentives and benefits counselling",
         "benefits;employment", "Schenectady", "community", has_npi=False),
    _org("Capital Legal Aid Society", "Civil legal services", "legal", "Albany", "community", has_npi=False),
    _org("Pathways Supported Employment", "Supported employment and job coaching", "employment",
         "Schenectady", "community", has_npi=False),
    _org("Hudson Valley Job Center", "Job search and training", "employment", "Troy", "community",
         has_npi=False),
    _org("Peer Bridges Peer Support Center", "Peer support and recovery groups", "behavioural_health",
         "Troy", "community", "peer_specialist", has_npi=False),
    _org("Safe Harbor Domestic Violence Services", "Safety planning and shelter", "other", "Albany",
         "community", has_npi=False),
    _org("Troy Senior Center and Caregiver Support", "Respite and caregiver support groups",
         "family_support;other",
         "Troy", "community", has_npi=False),
)

# The directory group(s) that may hold a facility for each transition setting.
FACILITY_GROUPS: dict[TransitionSetting, tuple[str, ...]] = {
    TransitionSetting.EMERGENCY_DEPARTMENT: ("hospital_psych", "hospital"),
    TransitionSetting.INPATIENT_MEDICAL: ("hospital_psych", "hospital"),
    TransitionSetting.INPATIENT_PSYCHIATRIC: ("hospital_psych", "hospital_psych_only"),
    TransitionSetting.DETOX_REHAB: ("detox",),
    TransitionSetting.SKILLED_NURSING: ("snf",),
}

# ---- care plans ----------------------------------------------------------------------------------------

STRENGTHS = (
    "Close to her sister, who drives her to appointments.", "Keeps a calendar and likes routines.",
    "Good sense of humour; open with the care manager.", "Active in his church; neighbours look in on him.",
    "Cooks for herself and wants to stay independent.", "Has stayed sober for eight months.",
    "Knows the bus system well.", "Reads well and keeps all his papers in one folder.",
)
PREFERENCES = (
    "Prefers calls after 11 a.m.", "Prefers home visits to office visits.", "Text reminders, not letters.",
    "Wants her daughter included in care-plan meetings.", "Prefers a female care manager.",
    "Prefers to speak in his own language, with an interpreter on the phone.", "Morning appointments only.",
)
BARRIERS = (
    "No phone minutes at the end of the month.", "Stairs at home; walks with a cane.",
    "Distrusts hospitals after a bad stay.", "Forgets appointments when depressed.",
    "No transportation outside the city.", "Mail often goes missing at the building.",
    "Works nights and sleeps during the day.",
)

# Per need domain: (descriptions, goals in the member's own words, interventions (action, who, frequency)).
# "who" is "cm" (the care manager), "member", "family", or "team:<care-team role key>".
NEEDS: dict[NeedDomain, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    NeedDomain.PHYSICAL_HEALTH: (
        ("Blood sugar is often high; A1c was 9.1 at the last visit.",
         "Blood pressure is not controlled; misses doses of medication.",
         "Asthma flare-ups lead to emergency visits.",
         "Heart failure with swelling in the legs; needs to watch salt and weight.",
         "Has not seen a primary care provider in over a year."),
        ("I want to get my sugar under control so I can keep my feet.",
         "I want to take my pills every day without forgetting.",
         "I want to stop ending up in the ER for my breathing.",
         "I want to walk to the corner store without getting out of breath.",
         "I want a doctor I trust and to go to my check-ups."),
        (("Help schedule and keep PCP appointments", "cm", "Monthly"),
         ("Set up a weekly pill organiser and check it at home visits", "cm", "Weekly"),
         ("Keep a blood sugar log and bring it to visits", "member", "Daily"),
         ("Arrange blister packs", "team:pharmacist", "Monthly"),
         ("Review medications and order an A1c test", "team:pcp", "Every 3 months"),
         ("Teach use of the inhaler spacer and the asthma action plan", "cm", "Once, then as needed")),
    ),
    NeedDomain.BEHAVIOURAL_HEALTH: (
        ("Depression makes it hard to get out of bed and keep appointments.",
         "Hears voices when off medication; two hospital stays last year.",
         "Anxiety keeps the member from taking the bus alone.",
         "Mood swings; stopped seeing the psychiatrist after moving."),
        ("I want to feel like myself again and see my grandkids.",
         "I want to stay out of the hospital this year.",
         "I want to be able to take the bus to my appointments on my own.",
         "I want to keep seeing the same counsellor every week."),
        (("Remind and accompany to psychiatry appointments", "cm", "Monthly"),
         ("Medication management", "team:psychiatrist", "Monthly"),
         ("Therapy sessions", "team:therapist", "Weekly"),
         ("Make a crisis plan with the member and family", "cm", "Once, review every 6 months"),
         ("Practise the bus route together", "cm", "Twice, then as needed")),
    ),
    NeedDomain.SUBSTANCE_USE: (
        ("Drinks daily and wants to cut down.", "In recovery from opioid use; takes buprenorphine.",
         "Started using cocaine again after losing a job."),
        ("I want to stay clean for my daughter.", "I want to keep going to my program and not miss a dose.",
         "I want to drink less so I can keep my job."),
        (("Coordinate with the treatment program about attendance", "team:sud_counsellor", "Monthly"),
         ("Connect to a peer recovery group", "cm", "Weekly"),
         ("Naloxone kit and overdose training", "cm", "Once")),
    ),
    NeedDomain.HOUSING: (
        ("Behind on rent; received an eviction notice.", "Living in a shelter since the spring.",
         "Apartment has mould and no working heat."),
        ("I want to keep my own apartment.", "I want a place of my own where I feel safe.",
         "I want my landlord to fix the heat before winter."),
        (("Apply for emergency rental assistance", "cm", "Once"),
         ("Follow up on the supportive housing application", "cm", "Every 2 weeks"),
         ("Meet with the housing case worker", "team:housing_case_worker", "Monthly"),
         ("Gather income papers for the application", "member", "Once")),
    ),
    NeedDomain.FOOD: (
        ("Runs out of food at the end of the month.",
         "SNAP benefits stopped after a missed recertification."),
        ("I want to have enough food for the whole month.", "I want to get my food stamps back."),
        (("Help with the SNAP recertification", "cm", "Once"),
         ("Connect to the food pantry and its delivery days", "cm", "Monthly"),
         ("Pick up groceries on pantry day", "family", "Weekly")),
    ),
    NeedDomain.TRANSPORTATION: (
        ("Misses appointments because there is no ride.",
         "Cannot manage the bus steps; needs door-to-door rides."),
        ("I want to get to my doctor without missing appointments.", "I want to be able to book my own rides."),
        (("Book Medicaid transportation for each appointment", "cm", "As needed"),
         ("Show the member how to book rides by phone", "cm", "Twice"),
         ("Apply for paratransit", "cm", "Once")),
    ),
    NeedDomain.INCOME_BENEFITS: (
        ("No income since losing work; SSI application pending.",
         "Medicaid renewal is due and the paperwork is unopened."),
        ("I want to get my SSI so I can pay my bills.", "I don't want to lose my Medicaid."),
        (("Help complete the SSI application, and appeal if denied", "cm", "Monthly"),
         ("Go through the renewal letter together", "cm", "Once"),
         ("Benefits counselling on work incentives", "cm", "Once")),
    ),
    NeedDomain.EMPLOYMENT: (
        ("Wants to work part time but worries about losing benefits.",),
        ("I want a part-time job so I have something to get up for.",
         "I want to work again without losing my benefits."),
        (("Referral to supported employment", "cm", "Once"),
         ("Meet with the job coach", "member", "Every 2 weeks"),
         ("Practise job interviews", "member", "Weekly")),
    ),
    NeedDomain.LEGAL: (
        ("Has a court date on an old charge and no lawyer.", "Dispute with the landlord heading to housing court."),
        ("I want to get my court case settled.", "I want someone to help me in housing court."),
        (("Referral to legal aid", "cm", "Once"), ("Go with the member to court", "cm", "As needed")),
    ),
    NeedDomain.SAFETY: (
        ("Falls at home; lives alone.", "A former partner has threatened the member."),
        ("I want to feel safe in my home.", "I want to stop falling when I get up at night."),
        (("Home safety check; ask the landlord for grab bars", "cm", "Once"),
         ("Safety plan with the domestic violence advocate", "cm", "Once, then as needed"),
         ("Medical alert pendant", "cm", "Once")),
    ),
    NeedDomain.FAMILY_CAREGIVER: (
        ("Daughter is the main caregiver and is exhausted.", "Cares for a grandchild and has no help."),
        ("I want my daughter to get a break sometimes.",
         "I want help so I can keep taking care of my grandson."),
        (("Connect the caregiver with respite services", "cm", "Once"),
         ("Include the family in care-plan meetings", "cm", "Every 6 months"),
         ("Check in with the caregiver", "family", "Weekly")),
    ),
}

SOCIAL_DOMAINS: tuple[tuple[NeedDomain, int], ...] = (
    (NeedDomain.HOUSING, 24), (NeedDomain.FOOD, 18), (NeedDomain.TRANSPORTATION, 18),
    (NeedDomain.INCOME_BENEFITS, 14), (NeedDomain.EMPLOYMENT, 8), (NeedDomain.LEGAL, 6),
    (NeedDomain.SAFETY, 6), (NeedDomain.FAMILY_CAREGIVER, 6),
)
FAMILY_LABELS = ("Member's daughter", "Member's sister", "Member's son", "Member's partner", "Member's mother")

# ---- contacts ------------------------------------------------------------------------------------------

CONTACT_NOTES: dict[str, tuple[str, ...]] = {
    "phone": ("Called to check on medications and upcoming appointments.",
              "Phone check-in; member reports a better week.", "Reviewed care-plan goals by phone.",
              "Confirmed the ride for Tuesday's appointment.",
              "Member called about a letter from Medicaid; explained the next steps.",
              "Talked through the pharmacy refill problem."),
    "in_person": ("Home visit; reviewed the pill organiser and blood sugar log.",
                  "Met at the clinic and went to the appointment together.",
                  "Home visit; worked on the housing application.",
                  "Met at the library to finish the SNAP recertification.",
                  "Home visit with the family; updated the crisis plan."),
    "video": ("Video visit; reviewed goals and upcoming appointments.", "Video check-in with the member and family."),
    "collateral": ("Spoke with the PCP's office about lab results and follow-up.",
                   "Called the pharmacy to arrange blister packs.",
                   "Spoke with the housing case worker about the application.",
                   "Talked with the therapist about missed sessions.",
                   "Spoke with the plan care manager about a prior authorisation."),
    "attempt": ("Called, no answer; left a voicemail.", "Home visit, no one home; left a card.",
                "Number not in service; will try the emergency contact."),
    "mail": ("Mailed an appointment reminder.", "Mailed an outreach letter with the agency's number.",
             "Mailed a copy of the care plan."),
}
OUTREACH_NOTES = (
    "Outreach call; explained Health Home services.", "Outreach visit; member wants to think it over.",
    "Reached the member at the shelter; set up a meeting.", "Met at the clinic after the PCP visit; interested.",
)
TC_NOTES = (
    "Called after discharge; reviewed discharge instructions and medications.",
    "Home visit the day after discharge; follow-up appointments booked.",
)

# ---- transitions ---------------------------------------------------------------------------------------

# The choices of the "open episode" form (services.transitions.NOTIFIED_HOW_CHOICES), bar "Other".
NOTIFIED_HOW = (
    "Phone call from the facility", "Fax from the facility", "Health information exchange alert",
    "MCO notification", "Member or family told us",
)
# What an intervention names when the member has nobody in that care-team role yet.
ROLE_LABELS = {
    "pcp": "Primary care provider", "psychiatrist": "Psychiatrist", "therapist": "Therapist",
    "sud_counsellor": "Substance use counsellor", "pharmacist": "Pharmacy", "housing_case_worker": "Housing case worker",
}
DISCHARGE_DESTINATIONS: dict[TransitionSetting, tuple[str, ...]] = {
    TransitionSetting.EMERGENCY_DEPARTMENT: ("Home", "Home", "Home", "Shelter"),
    TransitionSetting.INPATIENT_MEDICAL: ("Home", "Home with home health care", "Family member's home",
                                          "Skilled nursing facility"),
    TransitionSetting.INPATIENT_PSYCHIATRIC: ("Home", "Community residence", "Shelter", "Family member's home"),
    TransitionSetting.DETOX_REHAB: ("Home", "Residential treatment", "Sober house"),
    TransitionSetting.SKILLED_NURSING: ("Home", "Home with home health care", "Assisted living"),
}
NOT_APPLICABLE_REASONS = (
    "Member declined.", "No medication changes at discharge.", "Member went straight to a residential program.",
    "Arranged by the facility before discharge.",
)
EPISODE_NOTES = (
    "Fall at home.", "Chest pain; ruled out heart attack.", "Asthma exacerbation.", "Missed doses; symptoms returned.",
    "Blood sugar over 400.", "Suicidal thoughts; voluntary admission.", "Alcohol withdrawal.",
    "Rehabilitation after hip fracture.", "Pneumonia.",
)

# ---- referrals -----------------------------------------------------------------------------------------

REFERRAL_TEXTS: dict[ReferralCategory, tuple[str, str, str]] = {
    ReferralCategory.HOUSING: ("Eviction risk", "Behind on rent two months", "Emergency rental assistance and a housing case worker"),
    ReferralCategory.FOOD: ("Food insecurity", "Runs out of food before the end of the month", "Pantry enrolment and delivery"),
    ReferralCategory.TRANSPORTATION: ("No way to get to appointments", "Misses specialist visits", "Ride booking for medical visits"),
    ReferralCategory.BENEFITS: ("Benefits lapsed", "SNAP and Medicaid renewal overdue", "Help with the renewal paperwork"),
    ReferralCategory.EMPLOYMENT: ("Wants to work", "Looking for part-time work", "Supported employment intake"),
    ReferralCategory.LEGAL: ("Housing court", "Landlord dispute", "Legal representation"),
    ReferralCategory.BEHAVIOURAL_HEALTH: ("Depression not treated", "Needs a therapist", "Intake for outpatient therapy"),
    ReferralCategory.SUBSTANCE_USE: ("Alcohol use", "Wants help to cut down", "Outpatient treatment intake"),
    ReferralCategory.MEDICAL_SPECIALTY: ("Specialist follow-up", "PCP asked for a specialist opinion", "New-patient appointment"),
    ReferralCategory.OTHER: ("Caregiver strain", "Family needs support", "Support group and respite information"),
}
REFERRAL_CATEGORY_WEIGHTS: tuple[tuple[ReferralCategory, int], ...] = (
    (ReferralCategory.HOUSING, 20), (ReferralCategory.FOOD, 16), (ReferralCategory.TRANSPORTATION, 14),
    (ReferralCategory.BENEFITS, 12), (ReferralCategory.BEHAVIOURAL_HEALTH, 10), (ReferralCategory.EMPLOYMENT, 6),
    (ReferralCategory.LEGAL, 5), (ReferralCategory.SUBSTANCE_USE, 6), (ReferralCategory.MEDICAL_SPECIALTY, 8),
    (ReferralCategory.OTHER, 3),
)
REFERRAL_DOMAIN: dict[ReferralCategory, NeedDomain] = {
    ReferralCategory.HOUSING: NeedDomain.HOUSING, ReferralCategory.FOOD: NeedDomain.FOOD,
    ReferralCategory.TRANSPORTATION: NeedDomain.TRANSPORTATION,
    ReferralCategory.BENEFITS: NeedDomain.INCOME_BENEFITS, ReferralCategory.EMPLOYMENT: NeedDomain.EMPLOYMENT,
    ReferralCategory.LEGAL: NeedDomain.LEGAL, ReferralCategory.BEHAVIOURAL_HEALTH: NeedDomain.BEHAVIOURAL_HEALTH,
    ReferralCategory.SUBSTANCE_USE: NeedDomain.SUBSTANCE_USE,
    ReferralCategory.MEDICAL_SPECIALTY: NeedDomain.PHYSICAL_HEALTH,
    ReferralCategory.OTHER: NeedDomain.FAMILY_CAREGIVER,
}
REFERRAL_OUTCOMES: dict[str, tuple[str, ...]] = {
    "completed": ("Intake done; services started.", "Member enrolled and attending.", "Application approved."),
    "declined": ("Agency has a waiting list over six months.", "Member changed their mind.",
                 "Not eligible: income over the limit."),
    "no_response": ("Three calls and a fax without an answer; closed.", "Agency never confirmed intake."),
    "accepted": ("Intake appointment booked.",),
    "sent": ("",),
}

# The other Health Home that billed outreach months for a few demo members before they came to this agency.
OTHER_HEALTH_HOME = "Capital District Health Home"
