def test_a_small_mark_keeps_its_colour_beside_a_lot_of_grey_text(tmp_path: Path) -> None:
    fig, (ax,) = new_chart(height_in=12.0)
    for y in range(60):  # antialiased text: hundreds of greys, many pixels each
        ax.text(0.0, y / 60, "many words of grey text " * 4, fontsize=7, color="#555555")
    ax.plot([0.5], [0.5], "o", color="#2ca02c", markersize=3, label="faster")  # a few pixels
    finish(fig, tmp_path, Chart("small", "t", "c."), CTX, "")
    with Image.open(tmp_path / "charts" / "small.png") as image:
        colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=1 << 16) or []}
    assert (0x2C, 0xA0, 0x2C) in colours and (255, 255, 255) in colours
