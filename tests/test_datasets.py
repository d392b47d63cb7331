"""西瓜数据集 3.0 against Zhou's Table 4.3 (机器学习, 2016, p. 84), and the toy sets' shapes.

Expected values below are typed from the book's table, not taken from the package's CSV.
"""

import numpy as np
import pytest

from bpcourse.datasets import (
    ATTRIBUTES,
    WATERMELON3_COLUMNS,
    make_moons,
    make_spirals,
    make_xor,
    watermelon3,
    watermelon3_table,
    watermelon3a,
)

# (编号, 密度 density, 含糖率 sugar, 好瓜) from Table 4.3
BOOK_VALUES = [
    (1, 0.697, 0.460, 1),
    (2, 0.774, 0.376, 1),  # bad copies on the web: 0.744
    (5, 0.556, 0.215, 1),
    (9, 0.666, 0.091, 0),
    (10, 0.243, 0.267, 0),  # bad copies on the web: sugar 0.0267
    (15, 0.360, 0.370, 0),
    (17, 0.719, 0.103, 0),
]


def test_seventeen_melons_eight_good():
    X, y = watermelon3()
    assert X.shape == (17, 19) and y.shape == (17,)
    assert y.sum() == 8
    assert list(y) == [1] * 8 + [0] * 9  # the book lists samples 1-8 as good, 9-17 as not


@pytest.mark.parametrize("number, density, sugar, good", BOOK_VALUES)
def test_values_match_the_book(number, density, sugar, good):
    X, y = watermelon3()
    Xa, ya = watermelon3a()
    k = number - 1
    assert X[k, -2] == density and X[k, -1] == sugar
    assert Xa[k, 0] == density and Xa[k, 1] == sugar
    assert y[k] == good and ya[k] == good


def test_raw_table_has_the_books_headers_and_words():
    table = watermelon3_table()
    headers = ["编号", "色泽", "根蒂", "敲声", "纹理", "脐部", "触感", "密度", "含糖率", "好瓜"]
    assert list(table[0]) == headers
    # sample 1: 青绿 蜷缩 浊响 清晰 凹陷 硬滑; sample 10: 青绿 硬挺 清脆 清晰 平坦 软粘 (Table 4.3)
    assert [table[0][a] for a in ATTRIBUTES] == ["青绿", "蜷缩", "浊响", "清晰", "凹陷", "硬滑"]
    assert [table[9][a] for a in ATTRIBUTES] == ["青绿", "硬挺", "清脆", "清晰", "平坦", "软粘"]


def test_one_hot_columns():
    X, _ = watermelon3()
    assert len(WATERMELON3_COLUMNS) == 19 == 3 + 3 + 3 + 3 + 3 + 2 + 2
    one_hot = X[:, :17]
    assert set(np.unique(one_hot)) == {0.0, 1.0}
    assert np.all(one_hot.sum(axis=1) == 6)  # one 1 per categorical attribute
    start = 0
    for _, values in ATTRIBUTES.values():
        block = one_hot[:, start : start + len(values)]
        assert np.all(block.sum(axis=1) == 1)
        start += len(values)
    # sample 2 is 乌黑 蜷缩 沉闷 清晰 凹陷 硬滑 in the book
    on = [WATERMELON3_COLUMNS[c].split(" ")[0] for c in np.flatnonzero(one_hot[1])]
    assert on == ["色泽=乌黑", "根蒂=蜷缩", "敲声=沉闷", "纹理=清晰", "脐部=凹陷", "触感=硬滑"]
    assert WATERMELON3_COLUMNS[-2:] == ["密度 (density)", "含糖率 (sugar)"]


@pytest.mark.parametrize("make", [make_moons, make_spirals, make_xor])
def test_toy_sets_are_seeded(make):
    X1, y1 = make(n=50, seed=3)
    X2, y2 = make(n=50, seed=3)
    assert X1.shape == (50, 2) and y1.shape == (50,)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    with pytest.raises(ValueError, match="positive integer"):
        make(n=0)


def test_documented_column_layout():
    # the layout written in watermelon3's docstring; melon 1 is 青绿 蜷缩 浊响 清晰 凹陷 硬滑 in Table 4.3
    X, _ = watermelon3()
    assert list(np.flatnonzero(X[0, :17])) == [0, 3, 6, 9, 12, 15]
    assert WATERMELON3_COLUMNS[15].startswith("触感=硬滑") and WATERMELON3_COLUMNS[16].startswith("触感=软粘")
    assert WATERMELON3_COLUMNS[17].startswith("密度") and WATERMELON3_COLUMNS[18].startswith("含糖率")
