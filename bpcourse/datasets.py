"""Data for the course: Zhou's watermelon data set 3.0 and small seeded 2-D toy sets.

西瓜数据集 3.0 is Table 4.3 of Zhou Zhihua, 机器学习 (2016), p. 84: 17 melons, six unordered
(categorical) attributes, two continuous ones (密度 density, 含糖率 sugar content) and the label
好瓜 (good melon). 3.0α (Table 4.5) keeps only density and sugar. The copy shipped in
``bpcourse/data/watermelon3.csv`` is the book's; copies on the web that give sample 2 a density
of 0.744 or sample 10 a sugar content of 0.0267 are wrong (the book has 0.774 and 0.267).

A neural network needs numbers, so each unordered attribute becomes a one-hot vector (the book's
margin note in §5.1 says the same): 色泽 with values 青绿, 乌黑, 浅白 becomes three columns, one of
which is 1. ``watermelon3()`` returns 17 one-hot columns (3+3+3+3+3+2) and then density and sugar:
19 columns in all. ``WATERMELON3_COLUMNS`` names every column, in order.
"""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np

from bpcourse.validate import count, real_number

# Attribute names and their values, in the order the book lists them, with English glosses.
ATTRIBUTES: dict[str, tuple[str, dict[str, str]]] = {
    "色泽": ("colour", {"青绿": "green", "乌黑": "dark", "浅白": "pale"}),
    "根蒂": ("root", {"蜷缩": "curled", "稍蜷": "slightly curled", "硬挺": "stiff"}),
    "敲声": ("knock", {"浊响": "dull", "沉闷": "muffled", "清脆": "crisp"}),
    "纹理": ("texture", {"清晰": "clear", "稍糊": "slightly blurry", "模糊": "blurry"}),
    "脐部": ("navel", {"凹陷": "sunken", "稍凹": "slightly sunken", "平坦": "flat"}),
    "触感": ("touch", {"硬滑": "hard smooth", "软粘": "soft sticky"}),
}
CONTINUOUS: dict[str, str] = {"密度": "density", "含糖率": "sugar"}
LABEL = ("好瓜", "good melon")  # 是 = yes = 1, 否 = no = 0

# One name per column of watermelon3()'s X, e.g. "色泽=青绿 (colour=green)", ..., "密度 (density)".
WATERMELON3_COLUMNS: list[str] = [
    f"{attr}={value} ({gloss}={value_gloss})"
    for attr, (gloss, values) in ATTRIBUTES.items()
    for value, value_gloss in values.items()
] + [f"{name} ({gloss})" for name, gloss in CONTINUOUS.items()]


def watermelon3_table() -> list[dict[str, str]]:
    """The raw table as the book prints it: one dict per melon, keyed by the Chinese headers
    (编号, 色泽, 根蒂, 敲声, 纹理, 脐部, 触感, 密度, 含糖率, 好瓜), values as strings."""
    text = resources.files("bpcourse").joinpath("data/watermelon3.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def watermelon3() -> tuple[np.ndarray, np.ndarray]:
    """西瓜数据集 3.0, one-hot encoded.

    Returns ``X`` of shape (17, 19) (see ``WATERMELON3_COLUMNS``) and ``y`` of shape (17,), an
    integer array with 1 for 好瓜 (good melon) and 0 otherwise. Rows are in the book's order
    (编号 1 to 17). The columns of ``X``:

        0-2   色泽 colour    青绿 green, 乌黑 dark, 浅白 pale
        3-5   根蒂 root      蜷缩 curled, 稍蜷 slightly curled, 硬挺 stiff
        6-8   敲声 knock     浊响 dull, 沉闷 muffled, 清脆 crisp
        9-11  纹理 texture   清晰 clear, 稍糊 slightly blurry, 模糊 blurry
        12-14 脐部 navel     凹陷 sunken, 稍凹 slightly sunken, 平坦 flat
        15-16 触感 touch     硬滑 hard smooth, 软粘 soft sticky
        17    密度 density   (a number, as printed in the book)
        18    含糖率 sugar   (a number, as printed in the book)

    Melon 1 (青绿 蜷缩 浊响 清晰 凹陷 硬滑, 0.697, 0.460) has 1s in columns 0, 3, 6, 9, 12, 15.
    """
    rows = watermelon3_table()
    X = np.zeros((len(rows), len(WATERMELON3_COLUMNS)))
    for k, row in enumerate(rows):
        col = 0
        for attr, (_, values) in ATTRIBUTES.items():
            X[k, col + list(values).index(row[attr])] = 1.0
            col += len(values)
        X[k, col] = float(row["密度"])
        X[k, col + 1] = float(row["含糖率"])
    y = np.array([1 if row["好瓜"] == "是" else 0 for row in rows])
    return X, y


def watermelon3a() -> tuple[np.ndarray, np.ndarray]:
    """西瓜数据集 3.0α: ``X`` (17, 2) with columns density, sugar; ``y`` (17,) with 1 = 好瓜."""
    X, y = watermelon3()
    return X[:, -2:].copy(), y


MAX_POINTS = 10_000_000  # a toy data set larger than this is a typo, not a plan (160 MB of floats)


def _check_args(name: str, n: int, noise: float) -> tuple[int, float]:
    n = count(n, f"{name} n (the number of points)", maximum=MAX_POINTS)
    noise = real_number(noise, f"{name} noise")
    if noise < 0:
        raise ValueError(f"{name} expected noise >= 0 (a standard deviation), got {noise!r}")
    return n, noise


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles. ``X`` (n, 2), ``y`` (n,) with classes 0 and 1."""
    n, noise = _check_args("make_moons", n, noise)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = rng.uniform(0.0, np.pi, size=n)
    X = np.column_stack([np.cos(t), np.sin(t)])
    X[y == 1] = np.column_stack([1.0 - np.cos(t[y == 1]), 0.5 - np.sin(t[y == 1])])
    X += rng.normal(0.0, noise, size=X.shape)
    return X, y


def make_spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms (the CS231n toy problem). ``X`` (n, 2), ``y`` (n,)."""
    n, noise = _check_args("make_spirals", n, noise)
    classes = count(classes, "make_spirals classes", minimum=2)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    r = rng.uniform(0.05, 1.0, size=n)
    angle = y * 2 * np.pi / classes + 4.0 * r + rng.normal(0.0, noise, size=n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    return X, y


def make_xor(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four blobs at (±1, ±1); class 1 where the signs differ (XOR). ``X`` (n, 2), ``y`` (n,)."""
    n, noise = _check_args("make_xor", n, noise)
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(n, 2))
    X = signs * 1.0 + rng.normal(0.0, noise * 2, size=(n, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(int)
    return X, y
