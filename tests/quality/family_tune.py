# SPDX-License-Identifier: GPL-2.0-or-later
"""Template family A: the tuning set. Detector packs may be tuned against it."""

from corpus import (IGNORE, NEGATIVE, REPORT, Doc, Family, expand, fmt_date, fmt_phone, mbi,
                    npi, ssn)

FORENAMES_F = ["Jane", "Margaret", "Mary", "Elizabeth", "Anne", "Catherine", "Helen", "Susan",
               "Sarah", "Linda", "Patricia", "Jean", "Agnes", "Isabella", "Moira", "Fiona",
               "Morag", "Eileen", "Irene", "Janet", "Christine", "Karen", "Lorraine", "Emma",
               "Olivia", "Sophie", "Chloe", "Amy", "Laura", "Rebecca", "Hannah", "Grace", "Ruby",
               "Ellie", "Aisha", "Fatima", "Priya", "Anjali", "Mei", "Zofia", "Agnieszka",
               "Siobhán", "Niamh", "Aoife", "Ciara", "Joan", "Betty", "Rose"]
FORENAMES_M = ["John", "James", "William", "Robert", "David", "Thomas", "George", "Alexander",
               "Andrew", "Stuart", "Graham", "Kenneth", "Ian", "Gordon", "Hugh", "Angus",
               "Hamish", "Callum", "Jamie", "Ryan", "Liam", "Connor", "Daniel", "Michael",
               "Peter", "Paul", "Mark", "Stephen", "Brian", "Derek", "Malcolm", "Duncan",
               "Fraser", "Mohammed", "Ahmed", "Imran", "Rajesh", "Arjun", "Wei", "Piotr",
               "Tomasz", "Seán", "Ciarán", "Eoin", "Will", "Bill", "Jack"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Campbell", "Stewart", "Thomson",
            "Robertson", "Anderson", "MacDonald", "McDonald", "Scott", "Reid", "Murray", "Clark",
            "Ross", "Paterson", "Young", "Mitchell", "Watson", "Morrison", "Fraser", "Henderson",
            "Hamilton", "Graham", "Kerr", "Johnston", "O'Neill", "McLaughlin", "Patel", "Khan",
            "Singh", "Ahmed", "Chen", "Nowak", "Kowalski", "Okafor", "Mensah", "Smith-Jones",
            "Walker", "White", "Hall", "Wood", "Green", "Hughes", "Evans", "Roberts", "Edwards",
            "Davies", "McGregor", "Sweeney", "de Silva", "D'Souza", "Ní Bhriain"]


class TuneFamily(Family):
    W = {
        "glue": [" ", ": ", " - ", ":", " is ", " "],
        "nhs_before": ["NHS no", "NHS no.", "NHS number", "NHS No", "nhs", "NHS#", "NHS num",
                       "nhs no", "NHS Number", "NHS", "Nhs no"],
        "nhs_after": ["(NHS no)", "is her NHS number", "is his nhs no", "- NHS no",
                      "(nhs number)"],
        "chi_before": ["CHI", "CHI no", "chi no", "CHI number", "Chi no.", "CHI#", "chi number"],
        "chi_after": ["(CHI)", "is the CHI", "- chi no", "(CHI no)"],
        "hc_before": ["H&C no", "H&C number", "HCN", "Health and Care number", "H+C no"],
        "hc_after": ["(H&C no)", "is the H&C number"],
        "dob_before": ["DOB", "dob", "D.O.B.", "DoB", "date of birth", "born", "Dob", "d.o.b",
                       "Date of birth:", "b.", "DOB:", "born on", "date of birth is",
                       "her DOB is", "was born on", "d.o.b. ="],
        "dob_after": ["(dob)", "is the DOB", "(DOB)", "- dob", "is his dob"],
        "event_before": ["admitted", "seen in clinic on", "appt", "discharged", "OP review",
                         "bloods due", "last seen", "scan booked for", "clinic", "on"],
        "phone_before": ["mob", "mobile", "tel", "phone", "daughter's number", "son's mob",
                         "NOK", "NOK tel", "contact no", "home phone", "call her",
                         "pls ring him", "wife's mobile"],
        "phone_after": ["(mob)", "is her mobile", "- NOK", "(daughter)"],
        "addr_before": ["lives at", "address:", "home address", "address is", "lives alone at",
                        "from", "Address -"],
        "postcode_before": ["postcode", "post code", "Postcode", "pc"],
        "email_before": ["email", "e-mail", "her email is", "email address", "send it to",
                         "his email"],
        "nino_before": ["NI no", "NI number", "NINO", "National Insurance no", "NI",
                        "nat ins no"],
        "ward": ["ward 5", "Ward 12", "ward 3B", "AMU", "CCU", "HDU", "Ward 18", "ward 20",
                 "Surgical Receiving", "ARU", "Ward 7", "ward 2a"],
        "clin": ["spiked a temp 38.9", "NEWS 5", "sats 89% on RA", "for discharge today",
                 "needs bloods repeated", "family want an update", "DNACPR in place",
                 "fall overnight, no head injury", "?sepsis, started on tazocin",
                 "CT head booked", "TTOs not done yet", "awaiting OT assessment",
                 "confused overnight", "K+ 6.1 repeat please", "post-op day 2",
                 "chest pain resolved, trop pending", "UO low", "on IV abx",
                 "pressure sore grade 2", "needs a cannula", "awaiting social work",
                 "delirium screen pls", "NG tube out again", "refusing meds",
                 "palliative, family visiting", "BM 2.8 treated", "for CT abdo",
                 "awaiting bed on ward 5", "Hb 78, for 1 unit", "AKI, fluids running"],
        "emoji": [" 🙏", " 😬", " 👍", " 🚑", " ❤️", " 😷", " 🤞", " ✅", " 😩", " 🙄"],
        "staff": ["Sister Bell", "Dr Khan", "Staff Nurse Murray", "Dr Okafor", "Charge Nurse Reid",
                  "Dr Fraser", "Ward 5 Nurses", "Dr A Patel", "Sister Campbell"],
        "rel": ["daughter", "son", "wife", "husband", "niece", "neighbour", "NOK"],
        "handover_head": ["Handover ward 5 nights", "HANDOVER AMU 20:00", "Evening handover 👇",
                          "Bay 2 handover", "Outliers list"],
        "role_mail": ["ward5.nurses@nhs.net", "rota@nhslanarkshire.org.uk",
                      "noreply@example.com", "orders@amazon.co.uk", "support@github.com",
                      "info@example.org"],
        "export_p": 0.25,
        # the default mix of corpus.fmt_date, and the two forms typed on phones
        "date_weights": [30, 10, 8, 6, 6, 10, 8, 4, 4, 8, 3, 3, 2, 3, 2],
    }
    name_forms = {"title_surname": 30, "title_full": 20, "full": 25, "lower_title": 8,
                  "title_initial": 7, "surname_comma": 2, "full_caps": 1, "first": 10}

    clinical = [
        "{P} in bed {BED}, {WARD}. {IDL}. {CLIN}{EMO}",
        "Can someone check on {P} ({AGE}) - {CLIN}. {DOBL}",
        "{P}, {IDL}, {DOBL}, {CLIN}",
        "{IDL} - {P}, {DOBL}, {ADDR}. {CLIN}",
        "Family contact for {P}: {REL} {PHONEL}",
        "{P} {DOBL} {IDL} for discharge today, {PHONEL}",
        "pls email the discharge letter for {P} to the {REL}, {EMAILL}{EMO}",
        "New admission {P}, {AGE}, {IDL}. {CLIN}",
        "Anyone know {P}'s NI number? form says {NINOL}",
        "Just spoke to {P}'s {REL}, {PHONEL}, coming in at {TIME}",
        "{P} {ID} bed {BED} {CLIN}",
        "{P} ({DOBL}) {CLIN}, {IDL}",
        "re {P} on {WARD}: {CLIN}. {IDL}{EMO}",
        "Bed {BED} {P} {AGE} {CLIN}",
        "{P} {ADDR} {DOBL} needs district nurse referral",
        "{STAFF} asked about {P} - {CLIN}. {IDL}",
        "{P}'s {REL} called again 😩 {PHONEL}",
        "can you fax the referral for {P} {IDL} {DOBL} to the GP",
        "{P} going home tomorrow, {ADDR}, {PHONEL}",
        "{IDL} {P} {CLIN}",
        "Sorry to bother - {P} in {WARD} bed {BED}, {CLIN}, {EVDATE}, {IDL}",
        "{P} {AGE} {EVDATE} {CLIN}",
        "{P}: {PCL}, {DOBL}",
        "hi all, {P} ({IDL}) {CLIN} {EMO}",
        "Will do. {P} {CLIN}, {IDL}",
        "{P} {DOBL} {ADDR}",
        "Can we get {P} on the list? {IDL}, {DOBL}, {EMAILL}",
        "{P} has been moved to {WARD} bed {BED} {EMO}",
        "{PFIRST} in bed {BED} {CLIN}",
        "Update on {P}: {CLIN}. {REL} is {PHONEL}",
        "{P} {AGE} {PC} {CLIN}",
        "{P}, {PHONE}, {CLIN}{EMO}",
        "{P} ({AGE}) - {ID} - {PC} - {PHONE}",
        "{P}{EMO}\n{IDL}\n{DOBL}\n{CLIN}",
        "Pt: {P}. {DOBL}. {IDL}. {ADDR}. {PHONEL}. {EMAILL}.",
        "FYI {P} ({IDL}) {CLIN} - {REL} aware",
        "{P} transferred from the Royal Victoria, {HCL}, {CLIN}",
        "{P} {HCL} {DOBL}",
        "benefits form for {P}: {NINOL}, {DOBL}",
        "{P} ({AGE}) {NINOL} - social work want it for the PIP form",
        "DWP rang about {P}, {NINOL}",
    ]
    handover_lines = [
        "Bed {BED} {P} {AGE} {CLIN} {IDL}",
        "{BED}. {P} ({DOBL}) - {CLIN}",
        "B{BED} {P}, {IDL}, {CLIN}",
        "{BED}) {P} {PHONE} {CLIN}",
        "Bed {BED} - {P} - {CLIN}",
        "{P} {ID} {CLIN}",
    ]
    ordinary = [
        "Anyone fancy a coffee? ☕",
        "Running late, M8 is a nightmare 😩",
        "Will do!",
        "May be 10 mins late sorry",
        "Can someone swap my night shift on {WEEKDAY} {DATE}?",
        "Rota is up on the board",
        "Happy birthday {FNAME}!! 🎂🎉",
        "Pizza's here 🍕 staff room",
        "Car park B is full again",
        "Who left their lanyard in the staff room?",
        "Teaching at 1pm in seminar room 2",
        "Fire alarm test {WEEKDAY} 10am",
        "Does anyone have the wifi password",
        "Reminder: mandatory training due by {DATE}",
        "Bed Seven is broken, estates called",
        "Thanks all, great shift x",
        "Grace Period for leave requests ends Friday",
        "Supplies order {ORDER10} arrived, it's in the store room",
        "Parking permit renewal deadline {DATE}",
        "Christmas night out booked for {DATE} 🎄",
        "Anyone seen the ward keys? 🙄",
        "Mark Down the hours on the timesheet pls",
        "Happy retirement to {STAFF}, started here {OLDDATE}!",
        "The new pumps arrive {WEEKDAY}, training at {NUM}",
        "Meeting ID {MEETING} passcode {NUM}",
        "Shift swap request sent to {ROLEMAIL}",
        "Hi {FNAME}, can you cover Friday?",
        "Lol yes",
        "Can we order more gloves, size M",
        "Ward 5 fridge temp log missing for {DATE}",
        "Ticket {ORDER10} raised with IT for the printer",
        "Does anyone know if the B12 clinic is still on",
    ]
    decoys = [
        "Your order {ORDER10} has shipped. Tracking no. {NUM}{NUM}. Estimated delivery {DATE}.",
        "Invoice no. {ORDER10} dated {DATE}, total {MONEY}. Please pay within 30 days.",
        "build {ORDER10} passed in 4m12s at {ISODT} (commit {HEX})",
        "[{ISODT}] INFO worker-3 job={ORDER10} duration_ms={NUM} ts={EPOCH}",
        "ts={EPOCH} level=warn msg=\"retrying upload\" req_id={ORDER10}",
        "Reference: {ORDER10S}. Quote this number if you call us.",
        "Amazon order {ORDER10S} - refund processed {DATE}",
        "Event time {EPOCHMS}, session {ORDER10}, build {VERSION}",
        "Meeting ID: {MEETING}\nPasscode: {NUM}\nJoin by {DATE}",
        "Release {VERSION} tagged on {ISODT}; changelog at https://example.org/r/{ORDER10}",
        "Booking ref {NINOSHAPE} confirmed for {DATE}",
        "Part number {NINOSHAPE}, qty {NUM}, ships {WEEKDAY}",
        "Order {ORDER10} for {NUM} units of part {PARTSSN}",
        "Company founded {OLDDATE}, registered office moved {DATE}",
        "Grid ref {SHAPEPC}, see map {NUM}",
        "Call us on {USPHONE} between 9 and 5",
        "Tracking: {ORDER10} / {ORDER10}",
        "Backup completed {ISODT} size={NUM}MB id={EPOCH}",
        "Invoice {ORDER10S} overdue since {DATE}",
        "Contact {ROLEMAIL} for returns. Order ref {ORDER10}.",
    ]

    def us_doc(self, rng):
        """A US-style clinical note (US identifiers)."""
        doc = Doc("us")
        p = self.patient(rng)
        s = ssn(rng)
        ssn_txt = rng.choice([s[:3] + "-" + s[3:5] + "-" + s[5:], s[:3] + " " + s[3:5] + " " +
                              s[5:]])
        m = mbi(rng)
        mbi_txt = rng.choice([m, m[:4] + "-" + m[4:7] + "-" + m[7:]])
        doc.add("Patient: ")
        doc.add(p["forename"] + " " + p["surname"], "person_name", REPORT)
        doc.add("\nDOB: ")
        doc.add(p["dob"].strftime(rng.choice(["%m/%d/%Y", "%Y-%m-%d"])), "date_of_birth",
                REPORT)
        doc.add(rng.choice(["\nSSN: ", "\nSocial Security No. ", "\nssn "]))
        doc.add(ssn_txt, "us_ssn", REPORT)
        doc.add(rng.choice(["\nMedicare MBI: ", "\nMBI ", "\nMedicare beneficiary id: "]))
        doc.add(mbi_txt, "us_mbi", REPORT)
        doc.add(rng.choice(["\nReferring provider NPI ", "\nNPI: ", "\nProvider NPI# "]))
        doc.add(npi(rng), "us_npi", REPORT)
        doc.add("\nAssessment: " + self.w(rng, "clin") + "\n")
        return doc


KINDS = {"clinical": 38, "handover": 7, "ordinary": 20, "decoy": 15, "hl7": 6, "fhir": 6,
         "dicom": 4, "us": 4}


def family():
    return TuneFamily(FORENAMES_F, FORENAMES_M, SURNAMES)
