"""Obviously fictional names for synthetic children, young people and caseworkers.

Forenames are ordinary given names (a forename alone identifies nobody), drawn from lists that
reflect the broad ethnic group so a council's people look like a council's people. Surnames are
invented compounds ("Pebblewick", "Thistlecombe", "O'Bramble-Quill") that read as names but
belong to no real family, so no row can be mistaken for a real child. A few carry hyphens and
apostrophes so duplicate detection (DQ104), which ignores them, has something to ignore.
"""

from __future__ import annotations

import random

__all__ = ["forename", "surname"]

_PREFIXES = (
    "Amber", "Applewhistle", "Bramble", "Bracken", "Briar", "Button", "Clover", "Copperkettle", "Crumble",
    "Dapple", "Dandelow", "Ember", "Fennel", "Fernly", "Figgle", "Gorse", "Heatherby", "Hollowmere", "Honeysett",
    "Juniper", "Kettle", "Lantern", "Larkspur", "Lilac", "Maplethorn", "Marble", "Meadowsweet", "Minnow", "Mossy",
    "Nettle", "Nutmeg", "Oakapple", "Otterly", "Parsnip", "Pebble", "Peppercorn", "Pickle", "Plumtree", "Poppy",
    "Puddle", "Quill", "Rowanberry", "Saffron", "Sorrel", "Sparrowhawk", "Thimble", "Thistle", "Tumble",
    "Velvet", "Willowherb", "Wren", "Yarrow", "Zephyr", "Bumble", "Cobble", "Drizzle", "Fizzle", "Gooseberry",
    "Hedgehop", "Inkwell", "Jolly", "Kipper", "Lollop", "Muddle", "Noodle", "Oddsock", "Pumpkin", "Quibble",
    "Ripple", "Snorkel", "Tiddle", "Umber", "Waffle", "Whisker", "Biscuit", "Crumpet", "Dumpling", "Flapjack",
    "Acorn", "Barley", "Bilberry", "Blossom", "Bobbin", "Bramwell", "Candle", "Catkin", "Chestnut", "Cinder",
    "Cloud", "Cowslip", "Damson", "Dewdrop", "Dimple", "Elder", "Feather", "Fiddle", "Foxglove", "Frolic",
    "Ginger", "Glimmer", "Hazelnut", "Hickory", "Holly", "Honeysuckle", "Ivy", "Jumble", "Kestrel", "Lavender",
    "Lettuce", "Limpet", "Marigold", "Meadow", "Mistle", "Moonbeam", "Mulberry", "Nimble", "Oriel", "Paddle",
    "Pennywhistle", "Periwinkle", "Pinecone", "Primrose", "Puffin", "Quince", "Raindrop", "Rhubarb", "Ribbon",
    "Rosehip", "Rumble", "Sage", "Samphire", "Sandpiper", "Skylark", "Snowdrop", "Sprocket", "Starling", "Teasel",
    "Thrift", "Toffee", "Treacle", "Truffle", "Tuppence", "Twiggy", "Walnut", "Wattle", "Wicker", "Wimble",
)  # fmt: skip
_SUFFIXES = (
    "bottom", "brook", "bury", "combe", "dale", "field", "ford", "gate", "hurst", "ley", "more", "ridge",
    "shaw", "stead", "thorpe", "ton", "well", "wick", "wood", "worth", "down", "holme", "by", "cott", "lade",
    "bridge", "croft", "fold", "garth", "hay", "hope", "knoll", "mere", "moor", "nook", "pool", "side", "wold",
)  # fmt: skip

_FORENAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "white": {
        "M": ("Oliver", "George", "Harry", "Jack", "Noah", "Leo", "Arthur", "Oscar", "Charlie", "Freddie", "Alfie",
              "Theo", "Archie", "Henry", "Thomas", "Joshua", "William", "Jacob", "Finley", "Reggie", "Tommy",
              "Albie", "Louie", "Ronnie", "Stanley", "Toby", "Max", "Ethan", "Dylan", "Riley", "Kai", "Harvey",
              "Lewis", "Callum", "Connor", "Liam", "Sean", "Ciaran", "Jakub", "Filip"),
        "F": ("Olivia", "Amelia", "Isla", "Ava", "Lily", "Freya", "Florence", "Poppy", "Evie", "Ivy", "Rosie",
              "Willow", "Sophie", "Grace", "Daisy", "Millie", "Ella", "Harper", "Matilda", "Isabella", "Erin",
              "Megan", "Niamh", "Aoife", "Zofia", "Maja", "Lacey", "Phoebe", "Ruby", "Esme"),
    },
    "south_asian": {
        "M": ("Muhammad", "Ibrahim", "Yusuf", "Zayn", "Ayaan", "Arjun", "Rohan", "Aarav", "Hamza", "Ismail",
              "Zain", "Ahmed", "Rayan", "Vihaan", "Dev", "Harjot", "Gurveer", "Imran", "Bilal", "Faris"),
        "F": ("Aisha", "Maryam", "Fatima", "Zara", "Amira", "Anaya", "Priya", "Simran", "Khadija", "Hafsa",
              "Inaya", "Noor", "Ananya", "Harleen", "Riya", "Safa", "Laiba", "Mehreen", "Sana", "Aleena"),
    },
    "black": {
        "M": ("Joshua", "David", "Samuel", "Daniel", "Emmanuel", "Tobi", "Kwame", "Kofi", "Chidi", "Tunde",
              "Malik", "Jerome", "Isaiah", "Elijah", "Nathaniel", "Abdi", "Mohamed", "Jaden", "Marcus", "Ade"),
        "F": ("Grace", "Precious", "Blessing", "Adaeze", "Amara", "Chioma", "Zainab", "Nia", "Imani", "Abena",
              "Ayomide", "Favour", "Hodan", "Kemi", "Tiana", "Shanice", "Esther", "Naomi", "Deborah", "Ruth"),
    },
    "east_asian": {
        "M": ("Wei", "Jun", "Hao", "Ming", "Yi", "Kai", "Ryan", "Jason", "Daniel", "Leon"),
        "F": ("Mei", "Lin", "Xin", "Yan", "Hui", "Jia", "Chloe", "Grace", "Emily", "Joy"),
    },
    "other": {
        "M": ("Adam", "Omar", "Yousef", "Ali", "Karim", "Luca", "Mateo", "Andrei", "Ilyas", "Sami", "Elias",
              "Nikolai", "Rafael", "Tariq", "Zakaria"),
        "F": ("Sara", "Layla", "Maya", "Lina", "Yasmin", "Elena", "Sofia", "Mariam", "Alina", "Nadia", "Leila",
              "Eva", "Hana", "Rania", "Dalia"),
    },
}  # fmt: skip

#: Ethnicity code (DfE) to the forename list used for it.
_GROUP = {
    "WBRI": "white", "WIRI": "white", "WIRT": "white", "WOTH": "white", "WROM": "white",
    "MWBC": "mix", "MWBA": "mix", "MWAS": "mix", "MOTH": "mix",
    "AIND": "south_asian", "APKN": "south_asian", "ABAN": "south_asian", "AOTH": "south_asian",
    "BCRB": "black", "BAFR": "black", "BOTH": "black", "CHNE": "east_asian",
    "OOTH": "other", "REFU": "mix", "NOBT": "mix",
}  # fmt: skip
_MIX = ("white", "white", "south_asian", "black", "other")


def forename(rng: random.Random, sex: str, ethnicity: str) -> str:
    group = _GROUP.get(ethnicity, "mix")
    if group == "mix":
        group = _MIX[int(rng.random() * len(_MIX))]
    names = _FORENAMES[group][sex]
    return names[int(rng.random() * len(names))]


def _one_surname(rng: random.Random) -> str:
    prefix = _PREFIXES[int(rng.random() * len(_PREFIXES))]
    if rng.random() < 0.25:
        return prefix  # e.g. "Thimble": short names exist too
    return prefix + _SUFFIXES[int(rng.random() * len(_SUFFIXES))]


def surname(rng: random.Random) -> str:
    """An invented surname; about 6% double-barrelled and 3% with an O'/D' prefix."""
    roll = rng.random()
    name = _one_surname(rng)
    if roll < 0.06:
        name = f"{name}-{_one_surname(rng)}"
    elif roll < 0.09:
        name = ("O'" if roll < 0.075 else "D'") + name
    return name
