// The viewer's stage (widgets/detail.py `Stage`): the item's media at its true aspect ratio,
// fitted into the space the viewer gives it, with the previous/next/close/star buttons; keys
// (← → Esc f) are taken before JupyterLab's while the viewer has the focus. The Python side
// sends the thumbnail at once (`placeholder`), then the large rendition (`image`) or a
// video's bytes (`video`) or URL (`video_url`); bytes become Blob URLs here.

const KEYS = { ArrowLeft: "prev", ArrowRight: "next", Escape: "close", f: "star", F: "star" };

function render({ model, el }) {
  el.classList.add("wb-stage");
  el.tabIndex = -1; // focusable from script: the keys reach the viewer, not the notebook
  el.innerHTML = `
    <div class="wb-stage-bar">
      <span class="wb-stage-caption"></span>
      <span class="wb-stage-position"></span>
      <button type="button" class="wb-viewer-star" aria-pressed="false"></button>
      <button type="button" class="wb-viewer-close" title="close (Esc)" aria-label="close">✕</button>
    </div>
    <div class="wb-stage-box">
      <button type="button" class="wb-viewer-prev" title="previous (←)" aria-label="previous">‹</button>
      <div class="wb-stage-frame"></div>
      <button type="button" class="wb-viewer-next" title="next (→)" aria-label="next">›</button>
    </div>
    <div class="wb-stage-note"></div>`;
  const $ = (selector) => el.querySelector(selector);
  const frame = $(".wb-stage-frame");
  const star = $(".wb-viewer-star");
  let urls = []; // this item's Blob URLs, revoked when another item is shown
  let media = null; // the img or video element
  let natural = null; // [width, height] of what is shown
  let sharpUrl = "";
  let container = null; // the .wb-viewer box around this stage (ipywidgets makes it)

  function blob(view, type) {
    if (!view || view.byteLength === 0) return "";
    const url = URL.createObjectURL(new Blob([view], { type }));
    urls.push(url);
    return url;
  }

  // The element's box takes the media's own aspect, as large as the frame allows: what a
  // user sees is never stretched (object-fit: contain in the CSS is the second guard).
  function fit() {
    if (!media || !natural) return;
    const width = frame.clientWidth;
    const height = frame.clientHeight;
    if (!width || !height) return;
    const scale = Math.min(width / natural[0], height / natural[1]);
    media.style.width = `${Math.max(1, Math.round(natural[0] * scale))}px`;
    media.style.height = `${Math.max(1, Math.round(natural[1] * scale))}px`;
  }
  const resizing = new ResizeObserver(fit);
  resizing.observe(frame);

  function measure(width, height) {
    if (width && height) {
      natural = [width, height];
      fit();
    }
  }

  function element(tag) {
    const node = document.createElement(tag);
    node.className = "wb-viewer-media";
    return node;
  }

  function showItem() {
    urls.forEach((url) => URL.revokeObjectURL(url));
    urls = [];
    if (media && media.tagName === "VIDEO") media.pause();
    frame.replaceChildren();
    media = null;
    natural = null;
    sharpUrl = "";
    const kind = model.get("kind");
    const poster = blob(model.get("placeholder"), "image/jpeg");
    const note = model.get("note");
    $(".wb-stage-note").textContent = note;
    if (kind === "image" || (kind === "video" && note)) {
      media = element("img");
      media.alt = model.get("caption");
      media.dataset.sharp = "0";
      media.addEventListener("load", () => {
        measure(media.naturalWidth, media.naturalHeight);
        media.dataset.sharp = sharpUrl && media.src === sharpUrl ? "1" : "0";
      });
      if (poster) media.src = poster;
      frame.append(media);
      sharpen();
    } else if (kind === "video") {
      media = element("video");
      media.controls = true;
      media.preload = "metadata";
      media.playsInline = true;
      if (poster) {
        media.poster = poster;
        const probe = new Image(); // the poster's shape until the video tells its own
        probe.onload = () => natural || measure(probe.naturalWidth, probe.naturalHeight);
        probe.src = poster;
      }
      media.addEventListener("loadedmetadata", () => measure(media.videoWidth, media.videoHeight));
      frame.append(media);
      load();
    }
  }

  function sharpen() {
    if (!media || media.tagName !== "IMG" || sharpUrl) return;
    const url = blob(model.get("image"), "image/jpeg");
    if (!url) return;
    sharpUrl = url;
    const next = new Image();
    next.onload = () => {
      if (sharpUrl === url && media) media.src = url; // its load event measures it
    };
    next.src = url;
  }

  function load() {
    if (!media || media.tagName !== "VIDEO" || media.src) return;
    const url = model.get("video_url") || blob(model.get("video"), model.get("video_type"));
    if (url) media.src = url;
  }

  function words() {
    el.dataset.id = model.get("generation");
    $(".wb-stage-caption").textContent = model.get("caption");
    $(".wb-stage-position").textContent = model.get("position");
    const starred = model.get("starred");
    star.textContent = starred ? "★" : "☆";
    star.title = starred ? "unstar (f)" : "star (f)";
    star.setAttribute("aria-pressed", String(starred));
    star.classList.toggle("wb-starred", starred);
  }

  function act(action) {
    if (action === "close") giveBack();
    model.send({ action });
  }

  // Esc and ✕ give the focus back to the grid the viewer was opened from.
  function giveBack() {
    if (media && media.tagName === "VIDEO") media.pause();
    const gallery = (container || el).closest(".wb-gallery");
    gallery?.querySelector(".wb-grid")?.focus();
  }

  function onKey(event) {
    if (!model.get("shown")) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    const action = KEYS[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    event.stopPropagation(); // JupyterLab's shortcuts listen on the document, bubbling
    act(action);
  }

  // The keys are taken on the whole viewer box (the stage and the detail beside it).
  function attach() {
    if (container || !el.isConnected) return;
    container = el.closest(".wb-viewer") || el;
    container.setAttribute("data-lm-suppress-shortcuts", "true");
    container.addEventListener("keydown", onKey);
  }
  const attaching = setInterval(() => {
    attach();
    if (container) clearInterval(attaching);
  }, 50);

  function opened() {
    attach();
    if (model.get("shown")) {
      requestAnimationFrame(() => {
        fit();
        el.focus({ preventScroll: true });
      });
    } else if (media && media.tagName === "VIDEO") {
      media.pause();
    }
  }

  star.addEventListener("click", () => act("star"));
  $(".wb-viewer-close").addEventListener("click", () => act("close"));
  $(".wb-viewer-prev").addEventListener("click", () => act("prev"));
  $(".wb-viewer-next").addEventListener("click", () => act("next"));
  el.addEventListener("keydown", onKey); // before the box is found

  model.on("change:item", showItem);
  model.on("change:image", sharpen);
  model.on("change:video", load);
  model.on("change:video_url", load);
  model.on("change:caption change:position change:starred change:generation", words);
  model.on("change:shown", opened);
  showItem();
  words();
  opened();

  return () => {
    clearInterval(attaching);
    resizing.disconnect();
    container?.removeEventListener("keydown", onKey);
    urls.forEach((url) => URL.revokeObjectURL(url));
  };
}

export default { render };
