"""The wording of the pack a school posts: the invitation letter and the two policies.

Taken from the seed letter (``../shared/seed/000_35c7c37dae5e5abe.txt``), with the school's own
details as placeholders filled from configuration, the obsolete browser advice brought up to date
and the MIS named generically (the seed names CMIS). The policy rules are the seed's, unchanged in
substance: the product enforces them.

Each section is a tuple of ``(style, text)``; ``style`` is ``h1``, ``h2``, ``p``, ``small`` or
``bullet``. ``{school.x}`` placeholders are filled by ``wording.fill``.
"""

from __future__ import annotations

Section = tuple[tuple[str, str], ...]

LETTER_BODY: Section = (
    (
        "p",
        "We would like to invite you to apply for a username and password for Parent Portal. "
        "This is a secure portal which will enable you to access details such as your child's "
        "attendance, target and progress grades and reports over the Internet. Although this is a "
        "new facility for parents of students at {school.short_name}, it has been successfully "
        "used in many other schools around the country.",
    ),
    ("p", "In order to be able to benefit from Parent Portal, you will need to have access to:"),
    ("bullet", "a computer, tablet or smartphone;"),
    ("bullet", "a reliable internet connection (basic broadband or mobile data is sufficient);"),
    (
        "bullet",
        "a current valid email address (this address will be used in the event that you "
        "forget your password);",
    ),
    (
        "bullet",
        "an up-to-date web browser such as Microsoft Edge, Google Chrome, Mozilla Firefox "
        "or Apple Safari.",
    ),
    (
        "p",
        "You will be able to access Parent Portal at {school.portal_url} and from the school "
        "website, {school.website}, where you will also find important information and news about "
        "the School.",
    ),
    (
        "p",
        "If you would like to become a Parent Portal user please read the enclosed Acceptable "
        "Use Policy and then fully complete the enclosed application form and return it to the "
        "School Office. Once verification checks have been made, we will post usernames and "
        "passwords to the home address registered on file along with details of how to access and "
        "use Parent Portal.",
    ),
    (
        "p",
        "Please note that each individual requiring access to Parent Portal must have a "
        "separate account and complete the form accordingly. If you have more than one child at "
        "the school please indicate this on the enclosed application form and we will ensure that "
        "they are all linked to your one username.",
    ),
    (
        "p",
        "Please write in BLOCK CAPITALS, one letter in each box, so that your form can be "
        "processed quickly. Please use a black or dark blue pen and do not staple the form.",
    ),
    (
        "p",
        "If you have any queries about Parent Portal access, please contact me in the first "
        "instance by telephone on {school.phone} or by email at {school.email}.",
    ),
)

USAGE_POLICY: Section = (
    ("h1", "Parent Portal Usage Policy"),
    ("small", "(To be retained by the applicant/s)"),
    (
        "p",
        "This Policy applies wherever access to the {school.short_name} Parent Portal is "
        "provided. This policy applies whenever information is accessed through Parent Portal, "
        "whether the computer equipment used is owned by {school.name} or not. The policy applies "
        "to all those who make use of Parent Portal.",
    ),
    ("h2", "Objectives"),
    ("h3", "Security"),
    (
        "p",
        "Parent Portal provides a highly secure portal, for access to the School's management "
        "information system (MIS). This policy is intended to minimise security risks as a result "
        "of its use by individuals. These risks might affect the integrity of MIS data, authorised "
        "Parent Portal Users and the individuals to which the management system information "
        "pertains. In particular these risks arise from:",
    ),
    (
        "bullet",
        "The intentional or unintentional disclosure of login credentials to Parent Portal "
        "by authorised users.",
    ),
    ("bullet", "The wrongful disclosure of private, sensitive, and confidential information."),
    (
        "bullet",
        "Exposure of {school.short_name} to vicarious liability for information wrongfully "
        "disclosed by authorised users.",
    ),
    ("h2", "Parent Portal Usage Policy Rules"),
    (
        "p",
        "{school.short_name} Parent Portal is provided for use only by current "
        "{school.short_name} governors, members of staff and parents/carers of students enrolled "
        "at the School.",
    ),
    (
        "p",
        "Access is granted only on condition that the individual formally agrees to the terms "
        "of the acceptable use policy.",
    ),
    ("p", "A signed copy of the agreement will be held by the school for audit purposes."),
    ("h3", "Authorising Parent Portal Users"),
    ("p", "Parents / carers will be invited to apply for access by letter."),
    (
        "p",
        "Requests for access by parents / carers must be made using the enclosed Application "
        "for Parent Portal Account.",
    ),
    (
        "p",
        "The authorising member of school staff <b>must</b> confirm that there is a legitimate "
        "entitlement to access information from Parent Portal for student(s) whose names are "
        "stated on the application form, i.e. the applicant has "
        "\u201cparental responsibility\u201d.",
    ),
    ("p", "Once these checks have been made a username will be created."),
    ("p", "Usernames will be created only for individuals. There can be no shared access."),
    (
        "p",
        "Usernames and Passwords will then be available for collection at the school office "
        "with valid photo ID or via post to the registered home address.",
    ),
    ("p", "User guides will be made available electronically via the School website."),
    ("h3", "Information policy"),
    (
        "p",
        "Information provided through Parent Portal must be accurate and checked regularly to "
        "ensure that it is up to date.",
    ),
    ("p", "Parents / Carers and students will be given access to:"),
    ("bullet", "Student timetables"),
    ("bullet", "Attendance data"),
    ("bullet", "Assessment data in the form of Reports/SATs results/Progress and target grades"),
    ("bullet", "Notices"),
    ("bullet", "Additional information as, from time to time, shall be determined by the school"),
    ("h2", "Parent Portal for Parent / Carer Use"),
    (
        "p",
        "Parent Portal is the secure interface through which parents and carers, school staff "
        "and governors are able to view news and information about the school. It provides a "
        "secure link to the school data management system. Parent Portal can also enable teaching "
        "staff, and parents / carers to view personal information such as attendance and "
        "assessment data. It is therefore important that this data is kept secure.",
    ),
    ("h3", "Security"),
    ("p", "This policy is intended to minimise security risks which might arise from:"),
    (
        "bullet",
        "The intentional or unintentional disclosure of login credentials to Parent Portal "
        "authorised users.",
    ),
    (
        "bullet",
        "The wrongful disclosure of private, sensitive, and confidential information; "
        "hence exposing the School to liability for information wrongfully disclosed by "
        "authorised users.",
    ),
    ("h3", "Data Access"),
    (
        "p",
        "This policy aims to ensure all relevant aspects of the General Data Protection "
        "Regulation and Data Protection Act 2018 are adhered to.",
    ),
    (
        "p",
        "This policy aims to promote best use of Parent Portal to further the communication and "
        "freedom of information between Teachers, Students and Parents / Carers.",
    ),
)

ACCEPTABLE_USE_POLICY: Section = (
    ("h1", "{school.short_name} Parent Portal Acceptable Use Policy"),
    (
        "p",
        "This policy applies wherever access to {school.short_name} Parent Portal is provided "
        "and whenever information is accessed through Parent Portal, whether the computer "
        "equipment used is owned by {school.short_name} or not. The policy applies to all those "
        "who make use of {school.short_name} Parent Portal.",
    ),
    ("h2", "Authorised Parent Portal Users"),
    (
        "p",
        "Parent Portal is provided for use only by persons who are legally responsible for "
        "student(s) currently attending the school.",
    ),
    (
        "p",
        "Access is granted only on condition that the individual formally agrees to the terms "
        "of this policy.",
    ),
    (
        "p",
        "Requests for Access to Parent Portal must be made to the School using the Application "
        "for Parent Portal Account enclosed with the letter of invitation.",
    ),
    (
        "p",
        "The applicant(s) must confirm that they have parental responsibility for the "
        "child/children whose names are stated on the application form. This information will be "
        "checked against that held in the School's database.",
    ),
    ("p", "A copy of the application will be held by the school for audit purposes."),
    ("h2", "Personal Use"),
    (
        "p",
        "Information made available through Parent Portal is confidential and protected by law "
        "under the Data Protection Act 2018. To that aim:",
    ),
    (
        "bullet",
        "Users must not distribute or disclose any information obtained to any person(s) "
        "with the exception of the pupil to which the information relates or to other adults with "
        "parental responsibility.",
    ),
    (
        "bullet",
        "Users should not attempt to access Parent Portal in any environment where the "
        "security of the information contained in Parent Portal may be placed at risk, e.g. a "
        "public computer or an open public Wi-Fi network.",
    ),
    (
        "bullet",
        "It is the user's responsibility to ensure that the data is correct and to notify "
        "the School of any errors/changes in circumstance.",
    ),
    ("h2", "Password Policy"),
    ("p", "You must assume personal responsibility for your username and password."),
    ("p", "Never use anyone else's username or password."),
    (
        "p",
        "You must always keep your individual user name and password confidential. These "
        "usernames and passwords should <b>never</b> be disclosed to anyone. Passwords and user "
        "names should never be shared.",
    ),
    (
        "p",
        "Users may be given the right to change the Parent Portal password from the one "
        "originally issued by the school. If this is the case the following rules must be "
        "followed:",
    ),
    ("bullet", "Passwords must be at least 6 characters (a-z, 0-9) in length"),
    ("bullet", "Passwords must contain at least 1 number / symbol"),
    ("bullet", "Passwords must contain a mix of upper and lowercase letters"),
    ("bullet", "Passwords must not be similar to your own name or username, for example: Cutler1"),
    ("h2", "Data Accuracy and Updates"),
    (
        "p",
        "Please be aware that there are fixed points when updated student data and end of year "
        "reports are made available to parents/carers. Teachers may update their data or enter "
        "draft data throughout the year especially shortly before the deadlines shown in the "
        "Parent Portal noticeboard. If you see data recorded that does not appear accurate or is "
        "in a draft format it may be that a teacher is part way through an update process. Please "
        "check again after the deadlines shown in the Parent Portal noticeboard after logging in "
        "or contact the subject teacher directly for clarification.",
    ),
    ("h2", "Questions, Complaints and Appeals"),
    ("p", "All enquiries about Parent Portal should be sent by email to: {school.email}"),
    (
        "p",
        "{school.short_name} reserves the right to revoke or deny access to Parent Portal of "
        "any individual under the following circumstances:",
    ),
    ("bullet", "The validity of parental responsibility is questioned"),
    ("bullet", "Court ruling preventing access to child or family members is issued"),
    ("bullet", "Users found to be in breach of the Parent Portal usage policy"),
    (
        "p",
        "If any child protection concerns are raised or disputes occur the school will revoke "
        "access for all parties concerned pending investigation.",
    ),
    (
        "p",
        "Please note: Where Parent Portal access is not available the school will still make "
        "information available according to Data Protection Act 2018 law and the General Data "
        "Protection Regulation.",
    ),
    (
        "p",
        "Users are liable for any potential misuse of the system and/or breach of data "
        "protection legislation that may occur as a result of failing to adhere to any of the "
        "rules/guidelines listed in this document.",
    ),
    (
        "p",
        "If you agree to the Acceptable Use Policy, please complete the enclosed application "
        "form and return it to the School Office.",
    ),
    (
        "p",
        "We cannot accept applications by phone or via email as we need the original signed "
        "copies of the application form before we can issue usernames and passwords.",
    ),
    (
        "p",
        "If you have any initial queries about parental access to Parent Portal please contact "
        "{school.staff_contact_name}, {school.staff_contact_role} at the school.",
    ),
)
