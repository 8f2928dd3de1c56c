"""Checks on figures as a user saves them."""

from __future__ import annotations


def legends_outside(fig) -> list[str]:
    """The legends of ``fig`` that reach past its edge once saved as it is (bbox_inches=None,
    the default: nothing is added around the figure), by the first entry's text."""
    import io

    fig.savefig(io.BytesIO(), format="png", bbox_inches=None)
    renderer, edge = fig.canvas.get_renderer(), fig.bbox
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends
    out = []
    for legend in legends:
        box = legend.get_window_extent(renderer)
        if box.x0 < edge.x0 or box.x1 > edge.x1 or box.y0 < edge.y0 or box.y1 > edge.y1:
            out.append(legend.get_texts()[0].get_text())
    return out
