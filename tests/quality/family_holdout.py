# SPDX-License-Identifier: GPL-2.0-or-later
"""Template family B: the held-out set. Never tune detector packs against it: it
has its own names, its own wording, its own templates and its own format mix, so
its score says how the packs do on text they were not fitted to."""

from corpus import REPORT, Doc, Family, mbi, npi, ssn

FORENAMES_F = ["Alison", "Barbara", "Carol", "Diane", "Doreen", "Evelyn", "Frances", "Gillian",
               "Heather", "Jacqueline", "Kathleen", "Lesley", "Maureen", "Nancy", "Pamela",
               "Rachel", "Sandra", "Tracy", "Valerie", "Wendy", "Yvonne", "Zara", "Jessica",
               "Lucy", "Megan", "Isla", "Freya", "Mia", "Ava", "Poppy", "Nadia", "Samira", "Leila",
               "Meera", "Ling", "Ewa", "Róisín", "Maeve", "Hope", "Joy", "Dawn", "June"]
FORENAMES_M = ["Alan", "Bruce", "Colin", "Craig", "Douglas", "Edward", "Frank", "Gary", "Henry",
               "Keith", "Lewis", "Martin", "Neil", "Oliver", "Philip", "Richard", "Scott",
               "Trevor", "Victor", "Walter", "Harry", "Jack", "Charlie", "Finlay", "Lachlan",
               "Kyle", "Ewan", "Euan", "Hassan", "Omar", "Yusuf", "Sanjay", "Vikram", "Jun",
               "Marek", "Krzysztof", "Pádraig", "Declan", "Ray", "Dean", "Rob"]
SURNAMES = ["Wright", "Thompson", "Robinson", "Johnson", "Lewis", "Harris", "Martin", "Jackson",
            "Clarke", "Turner", "Hill", "Cooper", "Ward", "Morris", "King", "Baker", "Harrison",
            "Morgan", "Allen", "James", "Phillips", "Bell", "Grant", "Kennedy", "Sutherland",
            "MacLeod", "McKenzie", "Gallagher", "Docherty", "Quinn", "Hussain", "Ali", "Shah",
            "Begum", "Wong", "Li", "Wiśniewski", "Adeyemi", "Boateng", "O'Brien", "Fitzgerald",
            "Lloyd", "Price", "Hughes-Wright", "Burns", "Kelly", "Duncan", "Crawford", "Gibson",
            "Black", "Day", "Little"]


class HoldoutFamily(Family):
    W = {
        "glue": [" ", ": ", " = ", " -> ", ":", " "],
        "nhs_before": ["NHS Number -", "NHS no:", "nhs num", "NHS", "N.H.S. no", "Nhs number:",
                       "NHS ID", "nhs#", "NHS nO", "NHS No.:"],
        "nhs_after": ["(her NHS no.)", "is the nhs number", "= NHS no", "[NHS]"],
        "chi_before": ["CHI -", "C.H.I.", "CHI No:", "chi", "CHI num", "Chi:", "CHI no -"],
        "chi_after": ["(chi)", "is her CHI", "= CHI"],
        "hc_before": ["H&C:", "HCN", "H & C no", "Health & Care no", "HSC number"],
        "hc_after": ["(HCN)", "is the health and care number"],
        "dob_before": ["D.O.B", "DOB -", "dob =", "Date of birth:", "born on", "b.", "DOB:",
                       "birth date", "dob"],
        "dob_after": ["(DOB)", "is her date of birth", "(born)"],
        "dob_after_p": 0.15,
        "event_before": ["booked for", "follow up", "next appt", "admitted on", "op date",
                         "review on", "since", "due"],
        "phone_before": ["mobile no", "contact number", "Tel:", "ph", "home tel", "NOK mobile",
                         "next of kin", "ring", "text her", "landline", "his mob no"],
        "phone_after": ["(mobile)", "is the NOK number", "- home", "(text only)"],
        "addr_before": ["resides at", "home:", "Address:", "staying with family at",
                        "address on file", "lives"],
        "postcode_before": ["post code", "Postcode:", "PC", "postcode is"],
        "email_before": ["Email:", "emailed", "contact email", "email her at", "his e-mail"],
        "nino_before": ["National Insurance number", "NI No.", "NINo", "ni number",
                        "Nat Ins"],
        "ward": ["Ward 9", "ward 14", "ward 4C", "Acute Receiving", "Stroke Unit", "Ward 22",
                 "CDU", "ICU", "Ward 1", "Ward 11 (COTE)"],
        "clin": ["obs stable overnight", "temp 39.2, cultures sent", "for echo",
                 "needs IV access", "BP 82/50, fluids given", "hypo overnight",
                 "awaiting package of care", "MRI spine today", "vomiting x3",
                 "wound oozing, dressing changed", "new AF, rate controlled",
                 "catheter removed, PU", "for EOL care", "INR 4.5 warfarin held",
                 "very agitated, 1:1 needed", "fast AF", "post TURP", "bed sore check",
                 "not eating, SALT referral", "family meeting tomorrow"],
        "emoji": [" 🙈", " 💉", " 🏥", " 😢", " 👀", " ‼️", " 🥲", " 😅"],
        "staff": ["Nurse Gallagher", "Dr Adeyemi", "Sr Quinn", "Dr O'Brien", "CN Docherty",
                  "Dr L Wong", "HCA Kelly"],
        "rel": ["sister", "partner", "brother", "mum", "dad", "grandson", "carer"],
        "handover_head": ["Nightshift handover 🌙", "Ward 9 board round", "HANDOVER",
                          "Pts to know about:"],
        "role_mail": ["ward9.admin@nhs.scot", "it.servicedesk@nhs.net", "donotreply@hmrc.gov.uk",
                      "hello@deliveroo.co.uk"],
        "ten_weights": (30, 30, 15, 10, 15),
        "date_weights": [20, 12, 10, 8, 8, 10, 8, 6, 6, 6, 3, 3],
        "cue_after_p": 0.3,
        "export_p": 0.3,
        "lower_p": 0.1,
    }
    name_forms = {"title_surname": 25, "title_full": 15, "full": 30, "lower_title": 10,
                  "title_initial": 5, "surname_comma": 3, "full_caps": 2, "first": 10}

    clinical = [
        "URGENT {P} ({DOBL}) {CLIN} - {IDL}{EMO}",
        "{P}, {AGE}, {WARD} bed {BED}. {CLIN}. {IDL}",
        "pt {P} {IDL} {CLIN}",
        "{IDL}\n{P}\n{DOBL}\n{ADDR}",
        "Could someone phone {P}'s {REL}? {PHONEL}",
        "{P} ready for home, {REL} collecting, {PHONEL}{EMO}",
        "{P} {ADDR} - needs transport booked {EVDATE}",
        "Has anyone got {P}'s {NINOL} for the benefits form?",
        "{P} {DOBL} - {CLIN}",
        "who is looking after {P}? {CLIN}",
        "{CLIN} for {P} in bed {BED}, {IDL}",
        "{P} ({AGE}) {IDL} {EVDATE}",
        "{P} {ID} {DOBL}",
        "sending {P}'s results to {EMAILL}",
        "{STAFF}: {P} {CLIN}{EMO}",
        "Bed {BED}: {P}, {DOBL}, {PCL}",
        "{P} is back from theatre {EMO} {IDL}",
        "{P} had a fall, {REL} informed {PHONEL}",
        "{PFIRST} says thanks for the cake {EMO}",
        "{P} - {IDL} - {DOBL} - {PHONEL} - {ADDR}",
    ]
    handover_lines = [
        "{BED}) {P} {AGE}, {CLIN}",
        "Bed {BED} {P} {IDL} - {CLIN}",
        "{P} ({DOBL}) {CLIN}",
        "- {P} {ID}: {CLIN}",
    ]
    ordinary = [
        "Morning all ☀️",
        "Who's on the late?",
        "Will check and get back to you",
        "May be a bit late, bus broke down",
        "Staff meeting moved to {WEEKDAY}",
        "Congrats {FNAME} on passing your exams!! 🎉",
        "Cake in the office for {FNAME}'s birthday 🍰",
        "Can someone bring milk for the staff room",
        "Off sick today sorry 🤒",
        "Annual leave requests for {DATE} to {DATE} please by Friday",
        "Has the new rota been emailed to {ROLEMAIL}?",
        "Thanks for covering, owe you one",
        "The A1 is closed, take the long way",
        "Hope So, fingers crossed",
        "Wifi down again on the ward 🙄",
        "Team lunch at 12:30 {WEEKDAY}",
        "Locker {NUM} key is missing",
        "Goods received note {ORDER10}, 3 boxes",
        "Appraisal paperwork due {DATE}",
        "Anyone parked in bay {NUM}? you're blocking the ambulance",
    ]
    decoys = [
        "Thank you for your order! Order number: {ORDER10}. Placed {DATE}.",
        "Statement date {DATE}  Account {ORDER10S}  Balance {MONEY}",
        "CI pipeline #{ORDER10} failed at {ISODT}",
        "{ISODT} ERROR request {ORDER10} timed out after {NUM}ms (epoch {EPOCH})",
        "Your parcel {ORDER10} will arrive {WEEKDAY}",
        "Policy no {ORDER10S}, renewal {DATE}",
        "Flight booking {NINOSHAPE}, departs {DATE}",
        "Lot {NINOSHAPE} expiry {DATE}",
        "Serial {PARTSSN} firmware {VERSION}",
        "Est. {OLDDATE}. Family business for generations.",
        "Tel (US office) {USPHONE}",
        "Conference call {MEETING}, pin {NUM}",
        "Receipt {ORDER10} {MONEY} paid {DATE}",
        "created_at={EPOCH} updated_at={EPOCH} id={ORDER10}",
        "Route via {SHAPEPC} then follow signs",
    ]

    def us_doc(self, rng):
        doc = Doc("us")
        p = self.patient(rng)
        s = ssn(rng)
        m = mbi(rng)
        doc.add("Name: ")
        doc.add(p["title"] + " " + p["forename"] + " " + p["surname"], "person_name", REPORT)
        doc.add(" | DOB ")
        doc.add(p["dob"].strftime(rng.choice(["%m/%d/%Y", "%B %d, %Y"])), "date_of_birth", REPORT)
        doc.add(" | SS# ")
        doc.add(s[:3] + "-" + s[3:5] + "-" + s[5:], "us_ssn", REPORT)
        doc.add(" | Medicare ID ")
        doc.add(rng.choice([m, m[:4] + "-" + m[4:7] + "-" + m[7:]]), "us_mbi", REPORT)
        doc.add(" | attending NPI ")
        doc.add(npi(rng), "us_npi", REPORT)
        doc.add("\nPlan: " + self.w(rng, "clin") + "\n")
        return doc


KINDS = {"clinical": 40, "handover": 6, "ordinary": 18, "decoy": 16, "hl7": 6, "fhir": 6,
         "dicom": 4, "us": 4}


def family():
    return HoldoutFamily(FORENAMES_F, FORENAMES_M, SURNAMES)
