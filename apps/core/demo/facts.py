"""Factual questions with a correct answer and a confident, plausible, wrong one.

The tables hold real facts (capitals, chemical symbols, dates of well-known events, authors of
famous books, planets) next to the wrong answer a model might plausibly hallucinate: the
largest city instead of the capital, a neighbouring element's symbol, a related year.
"""
import random
from dataclasses import dataclass

from .pair import ResponsePair, conversation

CATEGORY = "factual"


@dataclass(frozen=True)
class Fact:
    kind: str
    question: str
    right: str
    wrong: str


# (country, capital, plausible wrong answer, a true note, a made-up note for the wrong answer)
CAPITALS = [
    ("Australia", "Canberra", "Sydney",
     "Sydney is the largest city, but Canberra was built as the capital and Parliament has sat there since 1927.",
     "Sydney has housed the federal Parliament since Federation in 1901."),
    ("Canada", "Ottawa", "Toronto",
     "Queen Victoria chose Ottawa as the capital in 1857; Toronto is the largest city.",
     "Toronto became the capital at Confederation in 1867 and is home to Parliament Hill."),
    ("Turkey", "Ankara", "Istanbul",
     "Ankara replaced Istanbul as the capital in 1923, the year the Republic was proclaimed.",
     "Istanbul has been the capital continuously since the Ottoman era."),
    ("Brazil", "Brasília", "Rio de Janeiro",
     "Brasília was inaugurated as the capital in 1960, taking over from Rio de Janeiro.",
     "Rio de Janeiro has been the capital since independence in 1822."),
    ("Switzerland", "Bern", "Zurich",
     "Bern is the federal city and seat of the government; Zurich is the largest city.",
     "Zurich hosts the Federal Assembly and most federal departments."),
    ("New Zealand", "Wellington", "Auckland",
     "Wellington has been the capital since 1865; Auckland is the largest city.",
     "Auckland has been the capital since 1841 and is where Parliament meets."),
    ("Nigeria", "Abuja", "Lagos",
     "Abuja officially replaced Lagos as the capital in 1991.",
     "Lagos has been the capital since independence in 1960."),
    ("Morocco", "Rabat", "Casablanca",
     "Rabat is the capital; Casablanca is the largest city and main port.",
     "Casablanca is the seat of the royal court and of Parliament."),
    ("Pakistan", "Islamabad", "Karachi",
     "Islamabad was built in the 1960s to replace Karachi as the capital.",
     "Karachi has been the capital since 1947 and hosts the National Assembly."),
    ("Vietnam", "Hanoi", "Ho Chi Minh City",
     "Hanoi is the capital; Ho Chi Minh City, formerly Saigon, is the largest city.",
     "Ho Chi Minh City became the capital after reunification in 1976."),
    ("Kazakhstan", "Astana", "Almaty",
     "The capital moved from Almaty to Astana in 1997.",
     "Almaty has been the capital since independence in 1991."),
    ("Myanmar", "Naypyidaw", "Yangon",
     "The government moved from Yangon to the purpose-built city of Naypyidaw in 2005 and 2006.",
     "Yangon has been the capital since independence in 1948."),
    ("Tanzania", "Dodoma", "Dar es Salaam",
     "Dodoma is the official capital; Dar es Salaam is the largest city and commercial centre.",
     "Dar es Salaam is the seat of the National Assembly and the State House."),
    ("Côte d'Ivoire", "Yamoussoukro", "Abidjan",
     "Yamoussoukro is the official capital, while Abidjan is the largest city and economic centre.",
     "Abidjan has been the official capital since independence in 1960."),
    ("Belize", "Belmopan", "Belize City",
     "Belmopan became the capital in 1970, after Hurricane Hattie badly damaged Belize City in 1961.",
     "Belize City has been the capital since the colonial period."),
    ("India", "New Delhi", "Mumbai",
     "New Delhi is the capital; Mumbai is the country's financial centre.",
     "Mumbai is the seat of Parliament and the Supreme Court."),
    ("the United States", "Washington, D.C.", "New York City",
     "Washington, D.C. has been the seat of the federal government since 1800.",
     "New York City has hosted the federal government since the Constitution took effect in 1789."),
    ("the Philippines", "Manila", "Quezon City",
     "Manila is the capital; Quezon City, the most populous city, was the capital from 1948 to 1976.",
     "Quezon City has been the capital since 1948 and hosts the House of Representatives."),
    ("Germany", "Berlin", "Bonn",
     "Berlin has been the capital of reunified Germany since 1990; Bonn was the seat of government of West Germany.",
     "Bonn has remained the capital since 1949, with most federal ministries based there."),
]

# (element, symbol, wrong symbol, atomic number, where the symbol comes from, the wrong answer's reasoning)
ELEMENTS = [
    ("sodium", "Na", "So", 11, "from its Latin name *natrium*", "taken from the first two letters of its name"),
    ("potassium", "K", "P", 19, "from its Latin name *kalium*", "simply the first letter of its name"),
    ("iron", "Fe", "Ir", 26, "from the Latin *ferrum*", "taken from the first two letters of its name"),
    ("silver", "Ag", "Si", 47, "from the Latin *argentum*", "taken from the first two letters of its name"),
    ("gold", "Au", "Gd", 79, "from the Latin *aurum*", "from the consonants of its English name"),
    ("lead", "Pb", "Ld", 82, "from the Latin *plumbum*", "from the first and last letters of its name"),
    ("tin", "Sn", "Ti", 50, "from the Latin *stannum*", "taken from the first two letters of its name"),
    ("tungsten", "W", "Tu", 74, "from its other name, *wolfram*", "taken from the first two letters of its name"),
    ("mercury", "Hg", "Me", 80, "from the Latin *hydrargyrum*, \"liquid silver\"",
     "taken from the first two letters of its name"),
    ("copper", "Cu", "Co", 29, "from the Latin *cuprum*", "taken from the first two letters of its name"),
    ("antimony", "Sb", "An", 51, "from the Latin *stibium*", "taken from the first two letters of its name"),
    ("magnesium", "Mg", "Mn", 12, "short for its name, which comes from Magnesia, a region of Greece",
     "chosen from the consonants of its name"),
]

# (event, the question's wording, the right date, a wrong date, a true detail)
EVENTS = [
    ("the Apollo 11 Moon landing", "When did Apollo 11 land on the Moon?", "20 July 1969", "16 July 1968",
     "Neil Armstrong and Buzz Aldrin walked on the surface while Michael Collins stayed in lunar orbit."),
    ("the fall of the Berlin Wall", "When did the Berlin Wall fall?", "9 November 1989", "9 November 1991",
     "Crowds crossed freely after East German officials announced that the border was open."),
    ("the storming of the Bastille", "When was the Bastille stormed?", "14 July 1789", "14 July 1793",
     "The date is celebrated as France's national day."),
    ("the sealing of Magna Carta", "In what year did King John seal Magna Carta?", "1215", "1225",
     "King John sealed it at Runnymede, beside the Thames near Windsor."),
    ("the Battle of Hastings", "When was the Battle of Hastings fought?", "14 October 1066", "14 October 1086",
     "William of Normandy defeated King Harold II, beginning the Norman conquest of England."),
    ("the sinking of the Titanic", "When did the Titanic sink?", "15 April 1912", "15 April 1914",
     "It struck an iceberg on its maiden voyage from Southampton to New York."),
    ("the adoption of the US Declaration of Independence",
     "When was the United States Declaration of Independence adopted?", "4 July 1776", "4 July 1781",
     "It was adopted by the Second Continental Congress in Philadelphia."),
    ("the Wright brothers' first powered flight", "When did the Wright brothers make their first powered flight?",
     "17 December 1903", "17 December 1905", "The flights took place near Kitty Hawk, North Carolina."),
    ("the launch of Sputnik 1", "When was Sputnik 1 launched?", "4 October 1957", "12 October 1959",
     "It was the first artificial satellite, launched by the Soviet Union."),
    ("the Chernobyl disaster", "When did the Chernobyl nuclear disaster happen?", "26 April 1986", "26 April 1984",
     "Reactor No. 4 exploded during a safety test."),
    ("the signing of the Treaty of Versailles", "When was the Treaty of Versailles signed?", "28 June 1919",
     "11 November 1918", "It was signed exactly five years after the assassination of Archduke Franz Ferdinand."),
    ("the fall of Constantinople", "When did Constantinople fall to the Ottomans?", "29 May 1453",
     "29 May 1492", "Sultan Mehmed II's forces took the city, ending the Byzantine Empire."),
    ("Victory in Europe Day", "On what date did the Second World War end in Europe (VE Day)?", "8 May 1945",
     "8 May 1944", "Germany's unconditional surrender took effect that day."),
    ("Nelson Mandela's release from prison", "When was Nelson Mandela released from prison?", "11 February 1990",
     "11 February 1994", "He had been imprisoned for 27 years and became president in 1994."),
    ("the first ascent of Everest", "When was Mount Everest first climbed?", "29 May 1953", "29 May 1951",
     "Edmund Hillary and Tenzing Norgay reached the summit."),
    ("Yuri Gagarin's spaceflight", "When did Yuri Gagarin become the first person in space?", "12 April 1961",
     "12 April 1963", "His Vostok 1 flight made one orbit of the Earth."),
]

# (title, author, plausible wrong author, year of first publication)
BOOKS = [
    ("Pride and Prejudice", "Jane Austen", "Charlotte Brontë", "1813"),
    ("Nineteen Eighty-Four", "George Orwell", "Aldous Huxley", "1949"),
    ("One Hundred Years of Solitude", "Gabriel García Márquez", "Jorge Luis Borges", "1967"),
    ("War and Peace", "Leo Tolstoy", "Fyodor Dostoevsky", "1869"),
    ("Moby-Dick", "Herman Melville", "Nathaniel Hawthorne", "1851"),
    ("Frankenstein", "Mary Shelley", "Percy Bysshe Shelley", "1818"),
    ("The Great Gatsby", "F. Scott Fitzgerald", "Ernest Hemingway", "1925"),
    ("Don Quixote", "Miguel de Cervantes", "Lope de Vega", "1605"),
    ("Things Fall Apart", "Chinua Achebe", "Wole Soyinka", "1958"),
    ("To Kill a Mockingbird", "Harper Lee", "Truman Capote", "1960"),
    ("Beloved", "Toni Morrison", "Alice Walker", "1987"),
    ("The Trial", "Franz Kafka", "Thomas Mann", "1925"),
    ("Crime and Punishment", "Fyodor Dostoevsky", "Ivan Turgenev", "1866"),
    ("Middlemarch", "George Eliot", "Elizabeth Gaskell", "1871–72"),
]

# (question, right answer, wrong answer): whole answers, written out
PLANETS = [
    ("Which planet is the hottest in the Solar System?",
     "**Venus** is the hottest planet. Its thick carbon-dioxide atmosphere traps heat, so the surface stays at "
     "around 460 °C, hotter than Mercury even though Mercury is closer to the Sun.",
     "**Mercury** is the hottest planet. Being the closest planet to the Sun, it receives the most intense "
     "sunlight, and its surface stays at around 460 °C day and night."),
    ("Which is the largest planet in the Solar System?",
     "**Jupiter** is the largest planet; its mass is more than twice that of all the other planets combined.",
     "**Saturn** is the largest planet; counting its ring system, it is wider than any other planet and more "
     "massive than all the others combined."),
    ("Which planet is closest to the Sun?",
     "**Mercury** is the closest planet to the Sun, orbiting it once every 88 days.",
     "**Venus** is the closest planet to the Sun, orbiting it once every 88 days."),
    ("Which planet rotates on its side?",
     "**Uranus** rotates on its side: its axis is tilted by about 98°, so its poles take turns facing the Sun.",
     "**Neptune** rotates on its side: its axis is tilted by about 98°, so its poles take turns facing the Sun."),
    ("How many moons does Mars have?",
     "Mars has **two** moons, **Phobos** and **Deimos**, both small and irregularly shaped.",
     "Mars has **one** moon, **Phobos**, a small, irregularly shaped body that orbits very close to the planet."),
    ("Which planet has a day that is longer than its year?",
     "**Venus**: it takes about 243 Earth days to rotate once, but only about 225 Earth days to orbit the Sun.",
     "**Mercury**: it takes about 243 Earth days to rotate once, but only 88 Earth days to orbit the Sun."),
    ("Which planet is farthest from the Sun?",
     "**Neptune** is the farthest planet from the Sun. Pluto, which orbits farther out, was reclassified as a "
     "dwarf planet in 2006.",
     "**Pluto** is the farthest planet from the Sun, orbiting beyond Neptune at an average of about 40 times "
     "Earth's distance from the Sun."),
    ("Which planet has the Great Red Spot?",
     "**Jupiter**. The Great Red Spot is a giant storm that has been observed for well over a century and is "
     "wider than Earth.",
     "**Mars**. The Great Red Spot is a giant dust storm that gives the planet its red colour."),
    ("What is the largest moon of Saturn?",
     "**Titan** is Saturn's largest moon. It is bigger than the planet Mercury and has a thick nitrogen atmosphere.",
     "**Enceladus** is Saturn's largest moon. It is bigger than the planet Mercury and has a thick nitrogen "
     "atmosphere."),
    ("Which is the smallest planet in the Solar System?",
     "**Mercury** is the smallest planet, only about 40% wider than Earth's Moon.",
     "**Mars** is the smallest planet, only about 40% wider than Earth's Moon."),
    ("Roughly how long does sunlight take to reach the Earth?",
     "About **8 minutes and 20 seconds**: the Sun is about 150 million km away and light travels at about "
     "300,000 km per second.",
     "About **4 and a half minutes**: the Sun is about 150 million km away and light travels at about "
     "300,000 km per second."),
]

CAPITAL_QUESTIONS = ["What is the capital of {country}?", "Which city is the capital of {country}?",
                     "Quick check: what's the capital city of {country}?"]
ELEMENT_QUESTIONS = ["What is the chemical symbol for {element}?", "Which symbol stands for {element} on the "
                     "periodic table?", "What's the element symbol of {element}, and why is it written that way?"]
BOOK_QUESTIONS = ["Who wrote *{title}*?", "Who is the author of {title}?", "Which author wrote {title}, and when?"]


def capital_facts(rng: random.Random) -> list[Fact]:
    facts = []
    for country, capital, wrong, note, made_up in CAPITALS:
        question = rng.choice(CAPITAL_QUESTIONS).format(country=country)
        facts.append(Fact(
            "capital", question,
            f"The capital of {country} is **{capital}**. {note}",
            f"The capital of {country} is **{wrong}**. {made_up}",
        ))
    return facts


def element_facts(rng: random.Random) -> list[Fact]:
    facts = []
    for element, symbol, wrong, number, origin, made_up in ELEMENTS:
        question = rng.choice(ELEMENT_QUESTIONS).format(element=element)
        facts.append(Fact(
            "element", question,
            f"The chemical symbol for {element} is **{symbol}**, {origin}. It has atomic number {number}.",
            f"The chemical symbol for {element} is **{wrong}**, {made_up}. It has atomic number {number}.",
        ))
    return facts


def event_facts(rng: random.Random) -> list[Fact]:
    facts = []
    for event, question, date, wrong, detail in EVENTS:
        facts.append(Fact(
            "date", question,
            f"{event[0].upper() + event[1:]} took place on **{date}**. {detail}" if " " in date
            else f"In **{date}**. {detail}",
            f"{event[0].upper() + event[1:]} took place on **{wrong}**. {detail}" if " " in wrong
            else f"In **{wrong}**. {detail}",
        ))
    return facts


def book_facts(rng: random.Random) -> list[Fact]:
    facts = []
    for title, author, wrong, year in BOOKS:
        question = rng.choice(BOOK_QUESTIONS).format(title=title)
        facts.append(Fact(
            "author", question,
            f"*{title}* was written by **{author}** and first published in {year}.",
            f"*{title}* was written by **{wrong}** and first published in {year}. It is often considered "
            f"{wrong}'s finest work.",
        ))
    return facts


def planet_facts(rng: random.Random) -> list[Fact]:
    return [Fact("planet", question, right, wrong) for question, right, wrong in PLANETS]


FOLLOW_UP_SETTINGS = {
    "capital": ("I'm making flashcards for a geography quiz.",
                "Great idea! Send me the questions and I'll give you answers you can check."),
    "element": ("I'm revising chemistry for an exam tomorrow.",
                "Happy to help. Ask away and I'll explain as we go."),
    "date": ("I'm putting together a history timeline for my class.",
             "Sounds useful. Which events do you want dates for?"),
    "author": ("I'm sorting the books in our school library.",
               "Nice. Tell me which titles you're unsure about."),
    "planet": ("My daughter has a space project due this week.",
               "Fun! What does she need to find out?"),
}
SYSTEM = "You are a knowledgeable assistant. Answer factual questions accurately and concisely."


def fact_pairs(rng: random.Random, multi_turn_share: float = 0.2) -> list[ResponsePair]:
    """One pair per fact in the tables, in a shuffled order; some asked inside a short conversation."""
    facts = (capital_facts(rng) + element_facts(rng) + event_facts(rng) + book_facts(rng) + planet_facts(rng))
    rng.shuffle(facts)
    pairs = []
    for fact in facts:
        if rng.random() < multi_turn_share:
            opener, reply = FOLLOW_UP_SETTINGS[fact.kind]
            prompt = conversation(SYSTEM, opener, reply, fact.question)
        else:
            prompt = fact.question
        pairs.append(ResponsePair(CATEGORY, prompt, fact.right, fact.wrong, {"topic": fact.kind}))
    return pairs
