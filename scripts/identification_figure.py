"""Draw what the shipped UN fit identified: docs/identification.png and .svg (casim.figures.identification_figure)."""

from pathlib import Path

import pandas as pd

from casim import figures, posterior

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    post = posterior.load()
    table = pd.read_csv(posterior.shipped_folder() / "identification.csv")
    for path in figures.save(figures.identification_figure(post.draws, table), ROOT / "docs" / "identification"):
        print("wrote", path)
