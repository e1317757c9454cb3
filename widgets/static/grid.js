// The gallery's grid (anywidget): a page of tiles in justified rows, thumbnails arriving as
// binary buffers, mouse and keyboard. Python (widgets/grid.py) owns the state; this file
// only draws it and sends the user's commands back. DOM contract: .wb-grid (the one Tab
// stop), .wb-tile[data-index][data-id] with wb-selected (cursor), wb-marked, wb-placeholder
// then wb-loaded; img.wb-thumb, .wb-tile-star, .wb-tile-caption, .wb-badge,
// .wb-video-badge, .wb-empty.

const GAP = 6; // px between tiles, also inside the root's padding
const MIN_ASPECT = 0.25;
const MAX_ASPECT = 4;
const FALLBACK_WIDTH = 900; // px: a layout's width before the grid is in the page
const KEPT = 600; // pictures held per grid: the page shown and a few pages before it

// Per grid (one per gallery), shared by its views: id -> {key, url, w, h, missing}, and the
// views to tell when a picture arrives. Keyed by the grid's ``grid_id`` trait: anywidget
// hands initialize and render different wrappers of the same model.
const stores = new Map();

function storeOf(model) {
  const key = model.get("grid_id");
  let store = stores.get(key);
  if (!store) {
    store = { images: new Map(), views: new Set(), width: 0 };
    stores.set(key, store);
  }
  return store;
}

function tileIds(model) {
  return new Set((model.get("tiles") || []).map((t) => t.id));
}

function initialize({ model }) {
  const store = storeOf(model);
  // Pictures sent before this code loaded were lost: Python waits for this word, and sends
  // the page's pictures again when a front end starts again (a reloaded tab).
  // ... and how many pixels a CSS pixel has here: 2x thumbnails only for HiDPI screens.
  model.send({ type: "ready", scale: window.devicePixelRatio > 1 ? 2 : 1 });
  // A picture is kept even when its tile is not known yet: a custom message is handled as
  // it arrives, while the "tiles" update sent before it may still be being unpacked (the
  // widget manager decodes state updates asynchronously). Dropping it lost pictures for good.
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || msg.type !== "thumbs" || !Array.isArray(msg.pictures)) return;
    for (const got of msg.pictures) {
      const entry = { key: got.key, missing: !!got.missing, url: null, w: got.w, h: got.h };
      const data = buffers && got.buffer !== undefined ? buffers[got.buffer] : null;
      if (!entry.missing && data) {
        entry.url = URL.createObjectURL(new Blob([data], { type: got.mime || "image/webp" }));
      }
      const old = store.images.get(got.id);
      store.images.delete(got.id); // re-inserted: the Map's order is the order of arrival
      store.images.set(got.id, entry);
      for (const view of store.views) view.picture(got.id);
      if (old && old.url) URL.revokeObjectURL(old.url); // every view shows the new one now
    }
  });
  // Forget the oldest pictures of tiles no longer shown once more than KEPT are held (not
  // at once: a picture may have arrived for tiles whose update is still on its way).
  model.on("change:tiles", () => {
    const ids = tileIds(model);
    let extra = store.images.size - KEPT;
    for (const [id, entry] of store.images) {
      if (extra <= 0) break;
      if (!ids.has(id)) {
        if (entry.url) URL.revokeObjectURL(entry.url);
        store.images.delete(id);
        extra -= 1;
      }
    }
  });
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: host }) {
  const store = storeOf(model);
  const root = el("div", "wb-grid");
  root.tabIndex = 0;
  root.setAttribute("role", "grid");
  root.setAttribute("aria-label", "gallery: arrows move, Enter opens, f stars, space selects");
  host.appendChild(root);

  let tiles = []; // the model's tile dicts
  let nodes = new Map(); // id -> {tile, img, star, mark}
  let rows = []; // [[index, ...], ...] as laid out
  let cursor = model.get("cursor");
  let width = 0;
  let frame = 0;

  const send = (content) => model.send(content);
  const aspectOf = (t) => {
    const got = store.images.get(t.id);
    const size = got && got.w && got.h ? [got.w, got.h] : (model.get("sizes") || {})[t.key];
    const ratio = size ? size[0] / size[1] : model.get("aspect") || 1;
    return Math.min(MAX_ASPECT, Math.max(MIN_ASPECT, ratio));
  };

  function makeTile(t) {
    const tile = el("div", "wb-tile wb-placeholder");
    tile.dataset.index = String(t.index);
    tile.dataset.id = t.id;
    tile.setAttribute("role", "gridcell");
    tile.title = t.summary;
    const img = el("img", "wb-thumb");
    img.alt = t.text || t.kind;
    img.draggable = false;
    img.addEventListener("load", () => {
      tile.classList.remove("wb-placeholder");
      tile.classList.add("wb-loaded");
    });
    tile.appendChild(img);
    if (t.video) {
      tile.appendChild(el("span", "wb-video-badge", t.duration ? `▶ ${t.duration}` : "▶ video"));
    }
    const top = el("div", "wb-tile-top");
    const star = el("button", "wb-tile-star");
    star.type = "button";
    star.tabIndex = -1;
    star.title = "star / unstar (f)";
    const label = el("label", "wb-tile-select");
    label.title = "select for bulk actions (space; shift: a run)";
    const mark = el("input", "wb-tile-mark");
    mark.type = "checkbox";
    mark.tabIndex = -1;
    mark.setAttribute("aria-label", "select");
    label.appendChild(mark);
    top.append(label, star);
    tile.appendChild(top);
    const caption = el("div", "wb-tile-caption");
    caption.appendChild(el("div", "wb-tile-kind", t.kind));
    if (t.text) caption.appendChild(el("div", "wb-tile-text", t.text));
    if (t.badges.length) {
      const badges = el("div", "wb-badges");
      for (const b of t.badges) {
        const badge = el("span", "wb-badge", b.label);
        badge.style.background = b.colour; // the card's colour (white text on it)
        badges.appendChild(badge);
      }
      caption.appendChild(badges);
    }
    tile.appendChild(caption);

    star.addEventListener("click", (event) => {
      event.stopPropagation();
      const on = star.getAttribute("aria-pressed") !== "true";
      showStar(star, on); // at once; the model's answer settles it
      send({ type: "star", index: t.index, id: t.id });
      setTimeout(paintState, 3000); // a refusal puts it back
    });
    mark.addEventListener("click", (event) => {
      event.stopPropagation();
      send({ type: "mark", index: t.index, id: t.id, shift: event.shiftKey });
      setTimeout(paintState, 3000);
    });
    label.addEventListener("click", (event) => event.stopPropagation());
    tile.addEventListener("click", () => {
      moveCursor(t.index, false);
      root.focus({ preventScroll: true });
      send({ type: "open", index: t.index, id: t.id });
    });
    return { tile, img, star, mark };
  }

  function showStar(star, on) {
    star.setAttribute("aria-pressed", on ? "true" : "false");
    star.textContent = on ? "★" : "☆";
    star.closest(".wb-tile").classList.toggle("wb-starred", on);
  }

  function picture(id) {
    const node = nodes.get(id);
    const got = store.images.get(id);
    if (!node || !got) return;
    if (got.missing) {
      node.tile.classList.remove("wb-placeholder");
      node.tile.classList.add("wb-loaded", "wb-noimage");
      node.img.removeAttribute("src");
    } else if (node.img.getAttribute("src") !== got.url) {
      node.img.src = got.url;
    }
    const t = tiles.find((x) => x.id === id);
    if (t && node.aspect !== aspectOf(t)) schedule();
  }

  function build() {
    tiles = model.get("tiles") || [];
    const next = new Map();
    for (const t of tiles) next.set(t.id, makeTile(t));
    nodes = next;
    root.replaceChildren();
    const empty = model.get("empty");
    if (empty) {
      const box = el("div", "wb-empty", empty);
      box.setAttribute("role", "status");
      root.appendChild(box);
    }
    layout();
    paintState();
    for (const t of tiles) picture(t.id);
  }


  // Justified rows: tiles join a row at the target height until it is full, then the row's
  // height is chosen so its tiles fill the width exactly; the last row keeps the target.
  function layout() {
    frame = 0;
    width = root.clientWidth - 2 * GAP;
    // Not in the page yet (JupyterLab attaches the output later): lay out at the last width
    // seen, so the tiles and their pictures are ready; the resize observer corrects it.
    const laid = width > 0 ? width : store.width || FALLBACK_WIDTH;
    if (width > 0) store.width = width;
    if (!tiles.length) return;
    const target = model.get("row_height");
    rows = [];
    const body = document.createDocumentFragment();
    let row = [];
    let sum = 0;
    const flush = (full) => {
      const height = full ? (laid - GAP * (row.length - 1)) / sum : target;
      const line = el("div", "wb-row");
      line.setAttribute("role", "row");
      line.style.height = `${height}px`;
      for (const i of row) {
        const t = tiles[i];
        const node = nodes.get(t.id);
        node.aspect = aspectOf(t);
        node.tile.style.width = `${node.aspect * height}px`;
        node.tile.style.height = `${height}px`;
        line.appendChild(node.tile);
      }
      rows.push(row);
      body.appendChild(line);
      row = [];
      sum = 0;
    };
    tiles.forEach((t, i) => {
      row.push(i);
      sum += aspectOf(t);
      if (sum * target + GAP * (row.length - 1) >= laid) flush(true);
    });
    if (row.length) flush(false);
    for (const line of root.querySelectorAll(".wb-row")) line.remove();
    root.appendChild(body);
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(layout);
  }

  function paintState() {
    const marked = new Set(model.get("marked") || []);
    const starred = new Set(model.get("starred") || []);
    cursor = model.get("cursor");
    tiles.forEach((t, i) => {
      const node = nodes.get(t.id);
      node.tile.classList.toggle("wb-selected", i === cursor);
      node.tile.setAttribute("aria-selected", i === cursor ? "true" : "false");
      node.tile.classList.toggle("wb-marked", marked.has(t.id));
      node.mark.checked = marked.has(t.id);
      showStar(node.star, starred.has(t.id));
    });
    root.classList.toggle("wb-selecting", marked.size > 0);
  }

  function moveCursor(index, reveal) {
    if (index < 0 || index >= tiles.length) return;
    cursor = index;
    tiles.forEach((t, i) => nodes.get(t.id).tile.classList.toggle("wb-selected", i === index));
    if (model.get("cursor") !== index) {
      model.set("cursor", index);
      model.save_changes();
    }
    if (reveal) nodes.get(tiles[index].id).tile.scrollIntoView({ block: "nearest" });
  }

  // The tile in the row ``step`` rows away nearest to the cursor's centre (up/down).
  function vertical(step) {
    const at = rows.findIndex((r) => r.includes(cursor));
    const other = rows[at + step];
    if (at < 0 || !other) return -1;
    const centre = (i) => {
      const box = nodes.get(tiles[i].id).tile.getBoundingClientRect();
      return box.left + box.width / 2;
    };
    const x = centre(cursor);
    return other.reduce((best, i) => (Math.abs(centre(i) - x) < Math.abs(centre(best) - x) ? i : best));
  }

  root.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.key === "Tab") return;
    // Every other key stays here: JupyterLab's command mode would take letters and arrows.
    event.stopPropagation();
    const t = tiles[cursor];
    const key = event.key;
    let target = -1;
    if (key === "ArrowRight" || key === "ArrowLeft") {
      const delta = key === "ArrowRight" ? 1 : -1;
      if (event.shiftKey) send({ type: "extend", delta });
      else if (cursor + delta >= 0 && cursor + delta < tiles.length) target = cursor + delta;
      else send({ type: "step", delta }); // past the page's end: the next (previous) page
    } else if (key === "ArrowDown" || key === "ArrowUp") {
      target = vertical(key === "ArrowDown" ? 1 : -1);
      if (target >= 0 && event.shiftKey) {
        send({ type: "extend", delta: target - cursor });
        target = -1;
      }
    } else if (key === "Home") target = 0;
    else if (key === "End") target = tiles.length - 1;
    else if (key === "Enter" && t) send({ type: "open", index: cursor, id: t.id });
    else if ((key === "f" || key === "F") && t) nodes.get(t.id).star.click();
    else if (key === " " && t) send({ type: "mark", index: cursor, id: t.id, shift: event.shiftKey });
    else if (key === "Escape") {
      const gallery = root.closest(".wb-gallery");
      if (gallery && gallery.querySelector(".wb-viewer.wb-open")) send({ type: "close" });
      else root.blur();
    } else return;
    event.preventDefault();
    if (target >= 0) moveCursor(target, true);
  });
  root.addEventListener("keyup", (event) => {
    if (!(event.ctrlKey || event.metaKey || event.altKey || event.key === "Tab")) event.stopPropagation();
  });

  const view = { picture };
  store.views.add(view);
  const resize = new ResizeObserver(() => {
    if (root.clientWidth - 2 * GAP !== width) schedule();
  });
  resize.observe(root);
  const onTiles = () => build();
  const onState = () => paintState();
  model.on("change:tiles", onTiles);
  model.on("change:empty", onTiles);
  model.on("change:aspect", schedule);
  model.on("change:row_height", schedule);
  model.on("change:cursor", onState);
  model.on("change:marked", onState);
  model.on("change:starred", onState);
  root.style.setProperty("--wb-marked", model.get("marked_colour"));

  build();

  return () => {
    store.views.delete(view);
    resize.disconnect();
    if (frame) cancelAnimationFrame(frame);
    model.off("change:tiles", onTiles);
    model.off("change:empty", onTiles);
    model.off("change:aspect", schedule);
    model.off("change:row_height", schedule);
    model.off("change:cursor", onState);
    model.off("change:marked", onState);
    model.off("change:starred", onState);
  };
}

export default { initialize, render };
