//! Places, names and course templates the demo network is drawn from.

/// A town of the demo network: name, postal code, region code (AGS or län).
pub struct Place {
    pub city: &'static str,
    pub postal_code: &'static str,
    pub region: &'static str,
}

const fn place(city: &'static str, postal_code: &'static str, region: &'static str) -> Place {
    Place {
        city,
        postal_code,
        region,
    }
}

/// One of the four demo networks.
pub struct Network {
    pub swedish: bool,
    pub places: &'static [Place],
    /// Organisations that exist once per network: (kind, name, index into `places`).
    pub anchors: &'static [(&'static str, &'static str, usize)],
    /// Generated employers per scale unit (Sachsen and Hessen are the large networks).
    pub employers: usize,
    /// Generated schools and providers per scale unit.
    pub schools: usize,
}

pub const SACHSEN: Network = Network {
    employers: 9,
    schools: 6,
    swedish: false,
    places: &[
        place("Leipzig", "04109", "14713"),
        place("Dresden", "01067", "14612"),
        place("Chemnitz", "09111", "14511"),
        place("Zwickau", "08056", "14524"),
        place("Plauen", "08523", "14523"),
        place("Görlitz", "02826", "14626"),
        place("Bautzen", "02625", "14625"),
        place("Freiberg", "09599", "14522"),
        place("Meißen", "01662", "14627"),
        place("Pirna", "01796", "14628"),
        place("Torgau", "04860", "14730"),
        place("Borna", "04552", "14729"),
        place("Annaberg-Buchholz", "09456", "14521"),
    ],
    anchors: &[
        (
            "AUTHORITY",
            "Kommunaler Sozialverband Sachsen – Landesprüfungsamt für Gesundheitsfachberufe",
            0,
        ),
        (
            "AUTHORITY",
            "Landesdirektion Sachsen – Approbationsbehörde",
            2,
        ),
        ("CHAMBER", "Sächsische Landesärztekammer", 1),
        ("CHAMBER", "Landeszahnärztekammer Sachsen", 1),
        (
            "EXAM_OFFICE",
            "Prüfungszentrum Kenntnisprüfung Pflege Sachsen",
            0,
        ),
        ("ADVISORY", "IQ Anerkennungsberatung Sachsen – Leipzig", 0),
        ("ADVISORY", "IQ Anerkennungsberatung Sachsen – Dresden", 1),
        ("ADVISORY", "IQ Anerkennungsberatung Sachsen – Chemnitz", 2),
        (
            "ADVISORY",
            "Koordinierungsstelle Gesundheitsfachkräfte Sachsen",
            1,
        ),
        (
            "FUNDER",
            "Sächsisches Staatsministerium für Soziales, Gesundheit und Gesellschaftlichen Zusammenhalt",
            1,
        ),
        ("JOB_AGENCY", "Agentur für Arbeit Leipzig", 0),
        ("JOB_AGENCY", "Agentur für Arbeit Dresden", 1),
        ("MUNICIPALITY", "Stadt Leipzig – Gesundheitsamt", 0),
        ("MUNICIPALITY", "Landkreis Görlitz – Gesundheitsamt", 5),
    ],
};

pub const MECKLENBURG_VORPOMMERN: Network = Network {
    employers: 7,
    schools: 5,
    swedish: false,
    places: &[
        place("Rostock", "18055", "13003"),
        place("Schwerin", "19053", "13004"),
        place("Neubrandenburg", "17033", "13071"),
        place("Stralsund", "18439", "13073"),
        place("Greifswald", "17489", "13075"),
        place("Wismar", "23966", "13074"),
        place("Güstrow", "18273", "13072"),
        place("Ludwigslust", "19288", "13076"),
    ],
    anchors: &[
        (
            "AUTHORITY",
            "Landesamt für Gesundheit und Soziales Mecklenburg-Vorpommern",
            0,
        ),
        ("CHAMBER", "Ärztekammer Mecklenburg-Vorpommern", 0),
        (
            "EXAM_OFFICE",
            "Landesprüfungsamt für Heilberufe Mecklenburg-Vorpommern",
            0,
        ),
        (
            "ADVISORY",
            "Health and Care Office Mecklenburg-Vorpommern",
            1,
        ),
        (
            "ADVISORY",
            "IQ Anerkennungsberatung Mecklenburg-Vorpommern – Rostock",
            0,
        ),
        (
            "FUNDER",
            "Ministerium für Soziales, Gesundheit und Sport Mecklenburg-Vorpommern",
            1,
        ),
        ("JOB_AGENCY", "Agentur für Arbeit Rostock", 0),
        (
            "MUNICIPALITY",
            "Landkreis Vorpommern-Greifswald – Beratung ambulante ärztliche Versorgung",
            4,
        ),
        ("MUNICIPALITY", "Landkreis Ludwigslust-Parchim", 7),
    ],
};

pub const HESSEN: Network = Network {
    employers: 9,
    schools: 6,
    swedish: false,
    places: &[
        place("Frankfurt am Main", "60311", "06412"),
        place("Wiesbaden", "65183", "06414"),
        place("Kassel", "34117", "06611"),
        place("Darmstadt", "64283", "06411"),
        place("Offenbach am Main", "63065", "06413"),
        place("Gießen", "35390", "06531"),
        place("Marburg", "35037", "06534"),
        place("Fulda", "36037", "06631"),
        place("Hanau", "63450", "06435"),
        place("Wetzlar", "35578", "06532"),
        place("Limburg an der Lahn", "65549", "06533"),
        place("Bad Homburg vor der Höhe", "61348", "06434"),
        place("Rüsselsheim am Main", "65428", "06433"),
    ],
    anchors: &[
        (
            "AUTHORITY",
            "Hessisches Landesamt für Gesundheit und Pflege",
            0,
        ),
        (
            "EXAM_OFFICE",
            "Hessisches Landesprüfungs- und Untersuchungsamt im Gesundheitswesen",
            0,
        ),
        ("CHAMBER", "Landesärztekammer Hessen", 0),
        ("CHAMBER", "Landeszahnärztekammer Hessen", 0),
        ("CHAMBER", "Landesapothekerkammer Hessen", 0),
        ("ADVISORY", "IQ Anerkennungsberatung Hessen – Frankfurt", 0),
        ("ADVISORY", "IQ Anerkennungsberatung Hessen – Kassel", 2),
        ("ADVISORY", "Welcome Center Hessen", 1),
        (
            "FUNDER",
            "Hessisches Ministerium für Familie, Senioren, Sport, Gesundheit und Pflege",
            1,
        ),
        ("JOB_AGENCY", "Agentur für Arbeit Frankfurt am Main", 0),
        ("JOB_AGENCY", "Agentur für Arbeit Kassel", 2),
        (
            "MUNICIPALITY",
            "Main-Kinzig-Kreis – Kommunale Gesundheitskoordination",
            8,
        ),
        (
            "MUNICIPALITY",
            "Landkreis Marburg-Biedenkopf – Kommunale Gesundheitskoordination",
            6,
        ),
        ("MUNICIPALITY", "Stadt Kassel – Gesundheitsamt", 2),
    ],
};

pub const STOCKHOLM: Network = Network {
    employers: 7,
    schools: 5,
    swedish: true,
    places: &[
        place("Stockholm", "111 20", "SE-AB"),
        place("Solna", "171 64", "SE-AB"),
        place("Huddinge", "141 86", "SE-AB"),
        place("Södertälje", "151 73", "SE-AB"),
        place("Nacka", "131 30", "SE-AB"),
        place("Täby", "183 30", "SE-AB"),
        place("Norrtälje", "761 30", "SE-AB"),
        place("Danderyd", "182 88", "SE-AB"),
    ],
    anchors: &[
        ("AUTHORITY", "Socialstyrelsen – Legitimationsenheten", 0),
        (
            "EXAM_OFFICE",
            "Karolinska Institutet – Kunskapsprov för läkare",
            1,
        ),
        (
            "FUNDER",
            "Region Stockholm – Hälso- och sjukvårdsförvaltningen",
            0,
        ),
        (
            "ADVISORY",
            "Region Stockholm – Vägledning för vårdpersonal med utländsk utbildning",
            0,
        ),
        (
            "ADVISORY",
            "Jobbtorg Stockholm – Vägledning vård och omsorg",
            0,
        ),
        ("JOB_AGENCY", "Arbetsförmedlingen Stockholm", 0),
        ("MUNICIPALITY", "Huddinge kommun", 2),
        ("MUNICIPALITY", "Södertälje kommun", 3),
    ],
};

pub const NETWORKS: [&Network; 4] = [&SACHSEN, &MECKLENBURG_VORPOMMERN, &HESSEN, &STOCKHOLM];

pub const DE_SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Lehmann",
    "Köhler",
    "Vogel",
    "Friedrich",
];
pub const SE_SURNAMES: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindberg",
    "Lindqvist",
];
pub const DE_STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Schulstraße",
    "Lindenallee",
    "Am Markt",
    "Goethestraße",
    "Schillerstraße",
    "Parkstraße",
    "Friedrich-Ebert-Straße",
    "Klinikweg",
    "Gartenstraße",
    "Rosa-Luxemburg-Straße",
    "Bergstraße",
    "Kirchplatz",
];
pub const SE_STREETS: &[&str] = &[
    "Storgatan",
    "Kungsgatan",
    "Drottninggatan",
    "Sjukhusvägen",
    "Vasagatan",
    "Skolgatan",
    "Hantverkargatan",
    "Parkvägen",
];
pub const DE_HOME_NAMES: &[&str] = &[
    "Haus Lindenhof",
    "Haus Sonnenblick",
    "Am Rosengarten",
    "Am Schlosspark",
    "Haus Abendrot",
    "Am Stadtwald",
    "Haus Elbblick",
    "Am Mühlbach",
];
pub const SE_HOME_NAMES: &[&str] = &[
    "Solgården",
    "Björkhagen",
    "Ekbacken",
    "Lindängen",
    "Sjöudden",
    "Tallbacken",
];

/// Employer name patterns: (employer type, pattern). `{city}`, `{name}` (surname) and
/// `{home}` are filled in.
pub const DE_EMPLOYERS: &[(&str, &str)] = &[
    ("HOSPITAL", "Klinikum {city}"),
    ("HOSPITAL", "Kreiskrankenhaus {city}"),
    ("HOSPITAL", "Krankenhaus St. Elisabeth {city}"),
    ("HOSPITAL", "Städtisches Klinikum {city}"),
    ("REHAB", "Rehabilitationsklinik {city}"),
    ("MVZ", "MVZ {city} Mitte"),
    ("CARE_HOME", "Seniorenzentrum {home} {city}"),
    ("CARE_HOME", "Pflegeheim {home} {city}"),
    ("AMBULANT_CARE", "Ambulanter Pflegedienst {name} {city}"),
    ("AMBULANT_CARE", "Sozialstation {city}"),
    ("PRACTICE", "Hausarztpraxis Dr. {name} {city}"),
    ("PRACTICE", "Zahnarztpraxis Dr. {name} {city}"),
    ("PRACTICE", "Praxis für Physiotherapie {name} {city}"),
];
pub const SE_EMPLOYERS: &[(&str, &str)] = &[
    ("HOSPITAL", "{city} sjukhus"),
    ("MVZ", "Vårdcentral {city} centrum"),
    ("CARE_HOME", "Äldreboendet {home}, {city}"),
    ("AMBULANT_CARE", "Hemtjänst {name} {city}"),
    ("PRACTICE", "Tandvårdskliniken {city}"),
    ("REHAB", "Rehabcenter {city}"),
];
/// Schools (kind SCHOOL) and providers (kind PROVIDER).
pub const DE_SCHOOLS: &[(&str, &str)] = &[
    (
        "SCHOOL",
        "Berufliches Schulzentrum für Gesundheit und Soziales {city}",
    ),
    ("SCHOOL", "Medizinische Berufsfachschule {city}"),
    ("SCHOOL", "Pflegeschule am Klinikum {city}"),
    ("SCHOOL", "Akademie für Gesundheitsberufe {city}"),
    ("PROVIDER", "Bildungszentrum Gesundheit {city} gGmbH"),
    ("PROVIDER", "Sprachinstitut {city}"),
    ("PROVIDER", "Fachsprachzentrum Medizin {city}"),
    ("PROVIDER", "Bildungswerk {name} & Partner {city}"),
];
pub const SE_SCHOOLS: &[(&str, &str)] = &[
    ("SCHOOL", "Vård- och omsorgscollege {city}"),
    ("SCHOOL", "{city} vårdutbildning"),
    ("PROVIDER", "Medicinsk svenska {city}"),
    ("PROVIDER", "Språkcenter för vårdpersonal {city}"),
];

/// A course template: type, title, professions, entry language level, hours.
pub struct CourseTemplate {
    pub course_type: &'static str,
    pub title: &'static str,
    pub professions: &'static [&'static str],
    pub language_level: Option<&'static str>,
    pub hours: (i32, i32),
    pub description: &'static str,
}

const fn course(
    course_type: &'static str,
    title: &'static str,
    professions: &'static [&'static str],
    language_level: Option<&'static str>,
    hours: (i32, i32),
    description: &'static str,
) -> CourseTemplate {
    CourseTemplate {
        course_type,
        title,
        professions,
        language_level,
        hours,
        description,
    }
}

pub const DE_COURSES: &[CourseTemplate] = &[
    course(
        "ADAPTATION_COURSE",
        "Anpassungslehrgang Pflegefachfrau/Pflegefachmann",
        &["nurse"],
        Some("B2"),
        (400, 1000),
        "Anpassungslehrgang nach PflBG mit theoretischem Unterricht und praktischen Einsätzen im Krankenhaus und in der stationären Langzeitpflege; Abschluss mit einem Abschlussgespräch.",
    ),
    course(
        "ADAPTATION_COURSE",
        "Anpassungslehrgang Physiotherapie",
        &["physiotherapist"],
        Some("B2"),
        (300, 700),
        "Ausgleich wesentlicher Unterschiede in Theorie und Praxis der Physiotherapie, mit Praxisphasen in Kliniken und Praxen.",
    ),
    course(
        "ADAPTATION_COURSE",
        "Anpassungslehrgang Medizinische Technologie Radiologie",
        &["mt_radiology"],
        Some("B2"),
        (300, 600),
        "Strahlenschutz, Bildgebung und Strahlentherapie nach deutschem Recht; praktische Einsätze in der Radiologie.",
    ),
    course(
        "ADAPTATION_COURSE",
        "Anpassungslehrgang Hebammen",
        &["midwife"],
        Some("B2"),
        (300, 700),
        "Ausgleich wesentlicher Unterschiede in der Hebammenarbeit, Praxiseinsätze im Kreißsaal und in der Wochenbettbetreuung.",
    ),
    course(
        "KNOWLEDGE_TEST_PREP",
        "Vorbereitung auf die Kenntnisprüfung Pflege",
        &["nurse", "geriatric_nurse"],
        Some("B2"),
        (200, 420),
        "Vorbereitung auf die mündliche und praktische Kenntnisprüfung nach PflAPrV mit Simulationstraining und Prüfungssimulation.",
    ),
    course(
        "KNOWLEDGE_TEST_PREP",
        "Vorbereitungskurs Kenntnisprüfung Medizin",
        &["physician"],
        Some("C1"),
        (300, 600),
        "Innere Medizin, Chirurgie und Querschnittsfächer für die Kenntnisprüfung nach ÄApprO, mit Fallbesprechungen und Hospitation.",
    ),
    course(
        "KNOWLEDGE_TEST_PREP",
        "Kenntnisprüfung Zahnmedizin – Intensivvorbereitung",
        &["dentist"],
        Some("C1"),
        (250, 500),
        "Vorbereitung auf die Kenntnisprüfung nach ZApprO mit praktischen Übungen am Phantomkopf.",
    ),
    course(
        "KNOWLEDGE_TEST_PREP",
        "Kenntnisprüfung Pharmazie – Vorbereitung",
        &["pharmacist"],
        Some("C1"),
        (200, 400),
        "Pharmazeutische Praxis, Arzneimittelrecht und Apothekenbetriebsordnung für die Kenntnisprüfung.",
    ),
    course(
        "SPECIALIST_LANGUAGE_PREP",
        "Fachsprachkurs Medizin C1 – Vorbereitung auf die Fachsprachprüfung",
        &["physician", "dentist"],
        Some("B2"),
        (160, 320),
        "Arzt-Patienten-Gespräch, Dokumentation und Arzt-Arzt-Gespräch nach dem Format der Fachsprachprüfung der Ärztekammer.",
    ),
    course(
        "SPECIALIST_LANGUAGE_PREP",
        "Fachsprache Pharmazie C1",
        &["pharmacist"],
        Some("B2"),
        (120, 240),
        "Beratungsgespräche in der Apotheke und pharmazeutische Fachkommunikation auf C1-Niveau.",
    ),
    course(
        "LANGUAGE_COURSE",
        "Berufssprachkurs Deutsch für Pflegeberufe B2",
        &["nurse", "geriatric_nurse"],
        Some("B1"),
        (300, 500),
        "Berufsbezogenes Deutsch für die Pflege: Übergaben, Pflegedokumentation, Gespräche mit Angehörigen; Abschluss telc Deutsch B1-B2 Pflege.",
    ),
    course(
        "LANGUAGE_COURSE",
        "Deutsch für Gesundheitsfachberufe B1–B2",
        &[
            "physiotherapist",
            "occupational_therapist",
            "speech_therapist",
            "mt_lab",
            "pta",
            "dietitian",
        ],
        Some("A2"),
        (300, 600),
        "Allgemeine und berufsbezogene Sprachkompetenz für Therapie- und Assistenzberufe.",
    ),
    course(
        "APTITUDE_TEST_PREP",
        "Vorbereitung Eignungsprüfung Pflege (EU-Ausbildung)",
        &["nurse"],
        Some("B2"),
        (80, 200),
        "Vorbereitung auf die Eignungsprüfung für Pflegefachkräfte mit Ausbildung in der EU, im EWR oder der Schweiz.",
    ),
    course(
        "APTITUDE_TEST_PREP",
        "Eignungsprüfung Physiotherapie – Vorbereitung",
        &["physiotherapist"],
        Some("B2"),
        (80, 200),
        "Gezielte Vorbereitung auf die Eignungsprüfung für Physiotherapeutinnen und Physiotherapeuten aus der EU.",
    ),
];

pub const SE_COURSES: &[CourseTemplate] = &[
    course(
        "KNOWLEDGE_TEST_PREP",
        "Förberedande kurs inför kunskapsprovet för sjuksköterskor",
        &["nurse"],
        Some("C1"),
        (200, 400),
        "Teori och praktiska övningar inför Socialstyrelsens kunskapsprov för sjuksköterskor utbildade utanför EU/EES.",
    ),
    course(
        "KNOWLEDGE_TEST_PREP",
        "Förberedelse inför kunskapsprov för läkare",
        &["physician"],
        Some("C1"),
        (300, 600),
        "Medicinsk teori och kliniska fall inför det teoretiska och praktiska kunskapsprovet för läkare.",
    ),
    course(
        "KNOWLEDGE_TEST_PREP",
        "Kunskapsprov tandläkare – förberedande kurs",
        &["dentist"],
        Some("C1"),
        (250, 500),
        "Förberedelse inför kunskapsprovet för tandläkare, med preklinisk träning.",
    ),
    course(
        "SE_REGULATIONS_COURSE",
        "Författningskunskap för legitimationsyrken i hälso- och sjukvården",
        &["physician", "nurse", "dentist", "pharmacist", "midwife"],
        Some("C1"),
        (40, 80),
        "Lagar och förordningar inom hälso- och sjukvården enligt Socialstyrelsens krav för legitimation.",
    ),
    course(
        "LANGUAGE_COURSE",
        "Svenska för vårdpersonal C1",
        &["nurse", "physician", "dentist"],
        Some("B1"),
        (300, 600),
        "Svenska på C1-nivå med medicinsk inriktning, inför språkkravet för legitimation.",
    ),
    course(
        "SPECIALIST_LANGUAGE_PREP",
        "Medicinsk svenska – fackspråk för läkare",
        &["physician"],
        Some("B2"),
        (120, 240),
        "Patientsamtal, journalföring och kollegial kommunikation på svenska.",
    ),
    course(
        "ADAPTATION_COURSE",
        "Kompletterande utbildning för sjuksköterskor med utländsk examen",
        &["nurse"],
        Some("C1"),
        (600, 1200),
        "Kompletteringsutbildning med verksamhetsförlagd utbildning, som alternativ väg till svensk legitimation.",
    ),
];
