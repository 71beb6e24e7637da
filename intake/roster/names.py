"""Name lists for the synthetic roster, by naming culture, as they appear on real UK school rolls.

Children's forenames follow ONS baby-name lists of 2008-2015 births (OGL) and common names of
each community; surnames are common ones of each community. British surnames come from Faker's
``en_GB`` weighted list in ``demo.py`` (it holds O'Brien, McDonald, Macdonald, McLean...); the lists
here add the rest. Spellings are kept as families write them: accents, apostrophes, spaces.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Culture:
    key: str
    weight: float  # share of families
    boys: tuple[str, ...]
    girls: tuple[str, ...]
    men: tuple[str, ...]  # adult forenames
    women: tuple[str, ...]
    surnames: tuple[str, ...]  # empty: Faker en_GB surnames
    patronymic: bool = False  # children's surname is the father's forename (Somali usage)


def _t(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


BRITISH_BOYS = _t(
    "Oliver, Jack, Harry, Jacob, Charlie, Thomas, George, Oscar, James, William, Noah, Alfie,"
    " Joshua, Leo, Ethan, Archie, Max, Logan, Daniel, Isaac, Lucas, Mason, Dylan, Samuel, Riley,"
    " Joseph, Alexander, Finley, Henry, Freddie, Harrison, Tyler, Sebastian, Adam, Theo, Jayden,"
    " Callum, Kai, Benjamin, Toby, Reuben, Lewis, Luke, Nathan, Louie, Ryan, Aaron, Kian, Zachary,"
    " Jake, Connor, Liam, Rhys, Dafydd, Owen, Evan, Jenson, Bobby, Frankie, Ellis, Alex, Matthew"
)
BRITISH_GIRLS = _t(
    "Amelia, Olivia, Isla, Emily, Poppy, Ava, Isabella, Jessica, Lily, Sophie, Grace, Sophia, Mia,"
    " Evie, Ruby, Ella, Scarlett, Isabelle, Chloe, Sienna, Freya, Phoebe, Charlotte, Daisy, Alice,"
    " Florence, Eva, Millie, Lucy, Evelyn, Elsie, Rosie, Imogen, Lola, Matilda, Elizabeth, Holly,"
    " Molly, Erin, Ellie, Maisie, Maya, Abigail, Eliza, Georgia, Jasmine, Esme, Willow, Bella,"
    " Amber, Emma, Summer, Hannah, Eleanor, Harriet, Megan, Gracie, Zara, Lacey, Martha, Zoë,"
    " Siân, Ffion, Gwen, Darcey, Thea, Lexi, Chloé, Niamh, Bethany, Keira, Leah, Courtney"
)
BRITISH_MEN = _t(
    "David, Paul, Andrew, Mark, Richard, Stephen, Christopher, Michael, Robert, Simon, Darren,"
    " Lee, Craig, Gareth, Neil, Jason, Stuart, Matthew, Daniel, Martin, Ian, Jonathan, Wayne,"
    " Carl, Dean, Gavin, Kevin, Scott, Shaun, Philip, Anthony, Ben, Tom, Adam, Rhodri, Gethin"
)
BRITISH_WOMEN = _t(
    "Sarah, Emma, Claire, Nicola, Lisa, Rebecca, Laura, Kelly, Gemma, Joanne, Rachel, Michelle,"
    " Louise, Kirsty, Victoria, Amy, Helen, Donna, Natalie, Stacey, Jennifer, Hayley, Leanne,"
    " Charlotte, Zoe, Catherine, Kerry, Samantha, Jade, Vicky, Angharad, Rhiannon, Siobhan"
)

CULTURES: tuple[Culture, ...] = (
    Culture("british", 0.56, BRITISH_BOYS, BRITISH_GIRLS, BRITISH_MEN, BRITISH_WOMEN, ()),
    Culture(
        "irish",
        0.06,
        _t("Seán, Cian, Oisín, Conor, Darragh, Patrick, Ronan, Eoin, Cillian, Tadhg, Fionn"),
        _t("Aoife, Saoirse, Niamh, Róisín, Caoimhe, Orla, Ciara, Sinéad, Clodagh, Aisling"),
        _t("Declan, Brendan, Padraig, Ciarán, Colm, Dermot, Eamon, Kieran, Liam, Niall"),
        _t("Siobhán, Mairéad, Bríd, Gráinne, Úna, Deirdre, Orla, Aoife, Maeve, Nuala"),
        _t(
            "O'Brien, O'Neill, O'Sullivan, O'Connor, Ó Súilleabháin, Murphy, Kelly, Byrne,"
            " Walsh, Ryan, McCarthy, Doyle, Gallagher, O'Reilly, D'Arcy, Ní Bhriain, Quinn,"
            " McLaughlin, Fitzgerald, MacMahon"
        ),
    ),
    Culture(
        "scottish",
        0.04,
        _t("Callum, Euan, Finlay, Hamish, Angus, Ruaridh, Lachlan, Fraser, Alasdair, Struan"),
        _t("Eilidh, Isla, Kirsty, Morag, Catriona, Iona, Skye, Mhairi, Rhona, Ailsa"),
        _t("Alistair, Douglas, Graeme, Iain, Kenneth, Murdo, Duncan, Gordon, Ross, Fergus"),
        _t("Fiona, Elspeth, Morven, Shona, Ishbel, Lorna, Ailsa, Kirsteen, Jean, Marion"),
        _t(
            "McDonald, MacDonald, Macdonald, McLean, MacLeod, McKenzie, Mackenzie, McIntyre,"
            " MacGregor, McKay, Mackay, Campbell, Stewart, Fraser, Ross, Murray, ffrench,"
            " McLean-O'Neill, MacAulay, Cameron"
        ),
    ),
    Culture(
        "south_asian",
        0.06,  # Pakistani and Bangladeshi heritage
        _t(
            "Muhammad, Mohammed, Ibrahim, Yusuf, Zayan, Ayaan, Hamza, Bilal, Zain, Rayyan,"
            " Arian, Anas, Tahmid, Abdullah, Haris, Musa, Ismail"
        ),
        _t(
            "Aisha, Maryam, Zainab, Fatima, Hafsa, Anaya, Amara, Inaaya, Aaliyah, Noor,"
            " Khadija, Safa, Ayesha, Tahmina, Nusrat, Eshal, Hania"
        ),
        _t("Imran, Tariq, Asif, Shahid, Faisal, Abdul, Mohammed, Nadeem, Arif, Zahid, Rashid"),
        _t(
            "Nasreen, Shabana, Rubina, Parveen, Farzana, Nazia, Sadia, Rukhsana, Shazia,"
            " Ruksana, Samina"
        ),
        _t(
            "Khan, Hussain, Ahmed, Ali, Begum, Iqbal, Rahman, Akhtar, Chaudhry, Mahmood,"
            " Bibi, Islam, Uddin, Chowdhury, Shah, Butt, Miah"
        ),
    ),
    Culture(
        "indian",
        0.04,  # Indian heritage, Hindu and Sikh families
        _t("Arjun, Rohan, Aarav, Harjot, Gurpreet, Vihaan, Ishaan, Sahil, Dev, Jaskaran, Krish"),
        _t("Priya, Simran, Jasleen, Diya, Saanvi, Riya, Anika, Navneet, Isha, Kavya, Harleen"),
        _t("Rajesh, Sanjay, Vikram, Harjinder, Kulwinder, Sunil, Manpreet, Ravinder, Ashok"),
        _t("Sunita, Anjali, Harpreet, Kiran, Meena, Amandeep, Rupinder, Neeta, Pooja"),
        _t("Patel, Singh, Sharma, Gill, Sandhu, Mistry, Kumar, Joshi, Sidhu, Bains, Parmar"),
    ),
    Culture(
        "polish",
        0.05,
        _t("Jakub, Kacper, Szymon, Filip, Mateusz, Bartosz, Wiktor, Michał, Oskar, Łukasz"),
        _t("Zuzanna, Julia, Maja, Wiktoria, Natalia, Alicja, Zofia, Oliwia, Hanna, Małgosia"),
        _t("Piotr, Krzysztof, Tomasz, Paweł, Marcin, Grzegorz, Andrzej, Wojciech, Rafał"),
        _t("Agnieszka, Katarzyna, Magdalena, Joanna, Monika, Ewa, Anna, Dorota, Beata"),
        _t(
            "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński,"
            " Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Krawczyk"
        ),
    ),
    Culture(
        "nigerian",
        0.04,
        _t("Oluwaseun, Chinedu, Tobiloba, Ayomide, Emeka, Chidi, Olamide, Tunde, Femi, Daniel"),
        _t("Chiamaka, Oluwatobi, Adaeze, Temitope, Ifeoma, Folake, Blessing, Precious, Favour"),
        _t("Adebayo, Oluwole, Chukwuemeka, Babatunde, Obinna, Kayode, Segun, Ikechukwu"),
        _t("Ngozi, Funmilayo, Adaobi, Yetunde, Chioma, Bukola, Nneka, Titilayo, Omolara"),
        _t(
            "Adeyemi, Okafor, Okonkwo, Oyelaran, Adebayo, Eze, Nwosu, Ogunleye, Balogun,"
            " Olawale, Chukwu, Afolabi, Obi, Ogunbiyi, Akinola"
        ),
    ),
    Culture(
        "chinese",
        0.03,
        _t("Haoran, Zihan, Yuxuan, Junhao, Wei, Jiaming, Ka Ho, Chun Yin, Zhiwei, Tian"),
        _t("Yiting, Xinyi, Zi Xuan, Mei, Wing Yan, Hoi Ching, Jiayi, Yuqi, Shu Fen, Ling"),
        _t("Jun, Wei, Hong, Jian, Ming, Kwok Wah, Chi Keung, Lei, Gang, Bo"),
        _t("Li, Xiu Ying, Yan, Hui, Mei Ling, Siu Man, Fang, Jing, Lan, Wai Man"),
        _t("Wang, Li, Zhang, Chen, Liu, Wong, Chan, Cheung, Lam, Ng, Ho, Yeung, Lau, Huang"),
    ),
    Culture(
        "somali",
        0.02,
        _t("Abdirahman, Mohamed, Abdullahi, Hassan, Yusuf, Ahmed, Liban, Abdikarim, Omar"),
        _t("Hodan, Ayan, Sagal, Ifrah, Hibo, Farhiya, Nasra, Sumaya, Fardowsa, Hamdi"),
        _t("Abdi, Ali, Hassan, Mohamud, Ismail, Farah, Warsame, Osman, Abdiqani, Jama"),
        _t("Fadumo, Halima, Khadra, Amina, Sahra, Hawa, Maryan, Faadumo, Ubah, Deeqa"),
        _t("Abdi, Ali, Hassan, Mohamud, Ismail, Farah, Warsame, Osman, Jama, Nur"),
        patronymic=True,
    ),
    Culture(
        "european",
        0.04,
        _t("Luca, Matei, Andrei, Lukas, Mateo, João, Tomás, Kerem, Emre, Nikolai, Pieter"),
        _t("Sofia, Ioana, Elena, Inês, Beatriz, Ana-Maria, Elif, Zeynep, Marta, Anouk"),
        _t("Ionuț, Mihai, Gheorghe, Carlos, Miguel, Mehmet, Darius, Jonas, Sergio, Jan"),
        _t("Ana, Mariana, Cristina, Daniela, Ayşe, Rasa, Laura, Carmen, Inga, Marijke"),
        _t(
            "Popescu, Ionescu, De Souza, Da Silva, García López, Van der Berg, Yılmaz,"
            " Kazlauskas, Petrov, Rodrigues, Fernández, De Luca, Van Dijk, Ferreira"
        ),
    ),
    Culture(
        "arabic",
        0.02,
        _t("Omar, Yusuf, Khalid, Karim, Adam, Zakariya, Hamza, Rami, Tariq, Idris"),
        _t("Layla, Mariam, Noor, Huda, Salma, Yasmin, Lina, Rania, Leen, Sara"),
        _t("Ahmad, Mahmoud, Samir, Walid, Nabil, Hassan, Fadi, Jamal, Bassam, Rashid"),
        _t("Fatima, Rana, Hanan, Amal, Samira, Dalia, Nadia, Reem, Suha, Mona"),
        _t("Al-Hashimi, Haddad, Khalil, El-Sayed, Mansour, Nasser, Al-Amin, Saleh, Aziz"),
    ),
    Culture(
        "other",
        0.04,
        _t("Kwame, Kofi, Thanh, Minh, Tendai, Kamal, Dawit, Abel, Nguyễn Bảo, Ravi"),
        _t("Ama, Efua, Linh, Thảo, Chipo, Rutendo, Selam, Hana, Mai, Akosua"),
        _t("Kwabena, Yaw, Tuấn, Hùng, Tinashe, Tesfaye, Bereket, Farai, Kojo, Dũng"),
        _t("Abena, Adwoa, Hoa, Lan, Nyasha, Tigist, Mulu, Tsitsi, Esi, Hương"),
        _t(
            "Mensah, Owusu, Boateng, Asante, Nguyễn, Trần, Phạm, Moyo, Chikwanha, Tesfaye,"
            " Haile, Ncube, Appiah, Osei"
        ),
    ),
)


def surname_for(culture: Culture, sex: str, surname: str) -> str:
    """Polish surnames in -ski/-cki/-dzki take -ska/-cka/-dzka for women and girls; in Sikh
    families women and girls are often Kaur where men and boys are Singh."""
    if culture.key == "indian" and surname in {"Singh", "Kaur"}:
        return "Kaur" if sex == "F" else "Singh"
    if culture.key != "polish" or sex != "F":
        return surname
    parts = [
        part[:-1] + "a" if part.endswith(("ski", "cki", "dzki")) else part
        for part in surname.split("-")
    ]
    return "-".join(parts)


#: Some children are known by a short or anglicised name: legal forename -> preferred forename.
PREFERRED_FORENAMES: dict[str, str] = {
    "Alexander": "Alex",
    "Matthew": "Matt",
    "Benjamin": "Ben",
    "Samuel": "Sam",
    "Joseph": "Joe",
    "Zachary": "Zac",
    "Frederick": "Freddie",
    "Elizabeth": "Beth",
    "Isabella": "Bella",
    "Jessica": "Jess",
    "Abigail": "Abbie",
    "Eleanor": "Ellie",
    "Oluwaseun": "Seun",
    "Oluwatobi": "Tobi",
    "Tobiloba": "Tobi",
    "Chiamaka": "Amaka",
    "Muhammad": "Mo",
    "Mohammed": "Mo",
    "Abdirahman": "Abdi",
    "Małgosia": "Gosia",
    "Haoran": "Henry",
    "Yiting": "Grace",
    "Xinyi": "Cindy",
    "Zihan": "Ivy",
    "Junhao": "Jason",
    "Wing Yan": "Winnie",
    "Ka Ho": "Kevin",
    "Seán": "Sean",
    "Ana-Maria": "Ana",
    "Christopher": "Chris",
    "Nikolai": "Nick",
    "Siân": "Sian",
}

TITLES_MEN = ("Mr",) * 18 + ("Dr",)
TITLES_WOMEN = ("Mrs",) * 10 + ("Ms",) * 6 + ("Miss",) * 3 + ("Dr",)
