// @ts-check
// The sandbox page's script: it polls GET /sandbox/api/state for the server-rendered parts
// (channel list, pane, demo panel, modal) and sends what the person does to the sandbox, which
// turns it into the signed requests Slack would send to pls. No framework, no build step.
// Everything shown comes from the server already escaped; text from here goes in with
// textContent only.

(() => {
  const POLL_MS = 500;
  /** This page's id: the sandbox keeps simulated colleagues off whoever a page is showing. */
  const PAGE = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');

  /** @param {string} selector */
  const $ = (selector) => /** @type {HTMLElement} */ (document.querySelector(selector));
  /** @type {{id: string, name: string, role: string, about: string}[]} */
  const people = JSON.parse(document.body.dataset.people || '[]');

  const state = {
    as: '',
    pane: '',
    /** @type {string | null} */
    version: null,
    /** @type {string | null} */
    modalKey: null,
    /** Activity count per pane when it was last looked at: the unread badges. */
    /** @type {Record<string, number>} */
    seen: {},
    /** `data-edits` per message key at the last render: a bigger number flashes the message. */
    /** @type {Map<string, string>} */
    edits: new Map(),
    renderedPane: '',
    /** @type {Set<string>} */
    openThreads: new Set(),
    failures: 0,
  };
  /** The markup last put into each part of the page. */
  /** @type {Map<string, string>} */
  const drawn = new Map();

  // ─── Who and where, kept in the URL so a reload (or a link) lands in the same place ───

  // Without a pane in the link the sandbox opens the person's own channel (their team's).
  function restore() {
    const params = new URLSearchParams(location.hash.slice(1));
    const as = params.get('as') || localStorage.getItem('pls-sandbox-as') || '';
    const firstRep = people.find((p) => p.role === 'rep');
    state.as = people.some((p) => p.id === as) ? as : (firstRep || people[0]).id;
    state.pane = params.get('pane') || '';
    /** @type {HTMLSelectElement} */ ($('#as')).value = state.as;
  }

  function remember() {
    localStorage.setItem('pls-sandbox-as', state.as);
    history.replaceState(
      null,
      '',
      `#as=${encodeURIComponent(state.as)}&pane=${encodeURIComponent(state.pane)}`,
    );
  }

  // ─── Talking to the sandbox ───

  /**
   * @param {string} path
   * @param {unknown} [body]
   */
  async function api(path, body) {
    const res = await fetch(`/sandbox/api/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok || data.ok === false) throw new Error(data.error || `HTTP ${res.status}`);
    return data;
  }

  /** @param {string} text */
  function toast(text) {
    const box = $('#toast');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(Number(box.dataset.timer));
    box.dataset.timer = String(setTimeout(() => (box.hidden = true), 6000));
  }

  // ─── Rendering what the server sent ───

  /** @param {boolean} [force] */
  async function refresh(force) {
    const query = new URLSearchParams({ as: state.as, pane: state.pane, page: PAGE });
    if (!force && state.version) query.set('since', state.version);
    const data = await api(`state?${query}`);
    if (data.unchanged) return;
    state.version = data.version;
    state.pane = data.pane_id;
    render(data);
  }

  /** @param {{channels: string, chips: string, pane: string, demo: string, pane_id: string, modal: {key: string, html: string} | null}} data */
  function render(data) {
    // Only what changed is swapped: a button being clicked must not be replaced under the
    // pointer because the demo panel's counter moved.
    swap('#channels', data.channels);
    swap('#chips', data.chips);
    if (state.renderedPane !== data.pane_id || drawn.get('#pane') !== data.pane) {
      renderPane(data.pane, data.pane_id);
      drawn.set('#pane', data.pane);
    }
    updateBadges();
    swap('#demo', data.demo);
    renderModal(data.modal);
  }

  /**
   * @param {string} selector
   * @param {string} markup
   */
  function swap(selector, markup) {
    if (drawn.get(selector) === markup) return;
    $(selector).innerHTML = markup;
    drawn.set(selector, markup);
  }

  /**
   * @param {string} markup
   * @param {string} paneId
   */
  function renderPane(markup, paneId) {
    const pane = $('#pane');
    const samePane = state.renderedPane === paneId;
    const list = pane.querySelector('.messages, .home');
    const wasAtBottom = !list || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const scrollTop = list ? list.scrollTop : 0;
    for (const details of pane.querySelectorAll('details[data-thread]')) {
      const key = /** @type {HTMLElement} */ (details).dataset.thread || '';
      if (/** @type {HTMLDetailsElement} */ (details).open) state.openThreads.add(key);
      else state.openThreads.delete(key);
    }

    pane.innerHTML = markup;

    for (const details of pane.querySelectorAll('details[data-thread]')) {
      if (state.openThreads.has(/** @type {HTMLElement} */ (details).dataset.thread || '')) {
        /** @type {HTMLDetailsElement} */ (details).open = true;
      }
    }
    const edits = new Map();
    for (const article of pane.querySelectorAll('article[data-key]')) {
      const el = /** @type {HTMLElement} */ (article);
      const key = el.dataset.key || '';
      const count = el.dataset.edits || '0';
      const before = state.edits.get(key);
      if (samePane && (before === undefined || Number(count) > Number(before))) {
        el.classList.add(before === undefined ? 'is-new' : 'is-updated');
      }
      edits.set(key, count);
    }
    state.edits = edits;
    state.renderedPane = paneId;

    const next = pane.querySelector('.messages, .home');
    if (next) next.scrollTop = samePane && !wasAtBottom ? scrollTop : next.scrollHeight;
  }

  function updateBadges() {
    for (const link of document.querySelectorAll('#channels a[data-pane]')) {
      const el = /** @type {HTMLElement} */ (link);
      const pane = el.dataset.pane || '';
      if (el.dataset.count === undefined) continue;
      const count = Number(el.dataset.count);
      if (pane === state.pane || state.seen[pane] === undefined) state.seen[pane] = count;
      const unread = count - state.seen[pane];
      const badge = /** @type {HTMLElement} */ (el.querySelector('.badge'));
      badge.hidden = unread <= 0;
      badge.textContent = String(unread);
    }
  }

  /** @param {{key: string, html: string} | null} modal */
  function renderModal(modal) {
    const layer = $('#modal-layer');
    if (!modal) {
      state.modalKey = null;
      layer.hidden = true;
      layer.innerHTML = '';
      return;
    }
    // Re-drawn only when the view itself changed: what the person typed stays.
    if (modal.key === state.modalKey) return;
    state.modalKey = modal.key;
    layer.innerHTML = modal.html;
    layer.hidden = false;
    const first = /** @type {HTMLElement | null} */ (layer.querySelector('select, input, textarea'));
    first?.focus();
  }

  // ─── What the person does ───

  /** @param {string} pane */
  async function showPane(pane) {
    state.pane = pane;
    state.version = null;
    remember();
    // Opening the Home tab is an event pls answers with views.publish, as in Slack.
    if (pane === 'home') await api('home', { as: state.as }).catch((e) => toast(e.message));
    await refresh(true).catch((e) => toast(e.message));
    remember(); // the pane the sandbox actually showed (the first channel for an unknown one)
  }

  /** @param {HTMLButtonElement} button */
  async function press(button) {
    if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
    const pressed = JSON.parse(button.dataset.press || '{}');
    button.disabled = true;
    button.classList.add('is-pressed');
    try {
      await api('press', { as: state.as, container: pressed.container, action: pressed.action });
      await refresh();
    } catch (error) {
      toast(/** @type {Error} */ (error).message);
    } finally {
      button.disabled = false;
      button.classList.remove('is-pressed');
    }
  }

  /** @param {HTMLFormElement} form */
  async function submitModal(form) {
    /** @type {Record<string, Record<string, string | null>>} */
    const values = {};
    for (const field of form.querySelectorAll('[data-block][data-action]')) {
      const el = /** @type {HTMLInputElement} */ (field);
      const block = el.dataset.block || '';
      values[block] = { ...values[block], [el.dataset.action || '']: el.value === '' ? null : el.value };
    }
    for (const slot of form.querySelectorAll('[data-error-for]')) {
      /** @type {HTMLElement} */ (slot).hidden = true;
    }
    const submit = /** @type {HTMLButtonElement | null} */ (form.querySelector('button[type=submit]'));
    if (submit) submit.disabled = true;
    try {
      const result = await api('submit', { as: state.as, view_id: form.dataset.viewId, values });
      if (result.errors && Object.keys(result.errors).length > 0) showErrors(form, result.errors);
      else await refresh();
    } catch (error) {
      showErrors(form, { '': /** @type {Error} */ (error).message });
    } finally {
      if (submit) submit.disabled = false;
    }
  }

  /**
   * `response_action: errors` names input blocks; an error for no known block goes on top.
   * @param {HTMLFormElement} form
   * @param {Record<string, string>} errors
   */
  function showErrors(form, errors) {
    for (const [block, message] of Object.entries(errors)) {
      const slot =
        /** @type {HTMLElement | null} */ (form.querySelector(`[data-error-for="${CSS.escape(block)}"]`)) ||
        /** @type {HTMLElement} */ (form.querySelector('[data-error-for=""]'));
      slot.textContent = message;
      slot.hidden = false;
    }
  }

  /** @param {string} viewId */
  async function closeModal(viewId) {
    state.modalKey = null;
    $('#modal-layer').hidden = true;
    await api('close', { as: state.as, view_id: viewId }).catch((e) => toast(e.message));
    await refresh().catch(() => {});
  }

  async function sendComposer() {
    const input = /** @type {HTMLInputElement} */ ($('#command'));
    const text = input.value.trim();
    if (!text) return;
    input.disabled = true;
    try {
      await api(text.startsWith('/') ? 'command' : 'say', { as: state.as, pane: state.pane, text });
      input.value = '';
      await refresh();
    } catch (error) {
      toast(/** @type {Error} */ (error).message);
    } finally {
      input.disabled = false;
      input.focus();
    }
  }

  document.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const paneLink = /** @type {HTMLElement | null} */ (target.closest('[data-pane]'));
    if (paneLink) {
      event.preventDefault();
      void showPane(paneLink.dataset.pane || '');
      return;
    }
    const button = /** @type {HTMLButtonElement | null} */ (target.closest('button[data-press]'));
    if (button) return void press(button);
    const close = /** @type {HTMLElement | null} */ (target.closest('[data-close-view]'));
    if (close) return void closeModal(close.dataset.closeView || '');
    const demo = /** @type {HTMLElement | null} */ (target.closest('[data-demo]'));
    if (demo) {
      void api('demo', { action: demo.dataset.demo })
        .then((result) => {
          if (result.account) toast(`${result.account.name} is turning hot: watch its team's channel`);
          return refresh();
        })
        .catch((e) => toast(e.message));
      return;
    }
    const chip = /** @type {HTMLElement | null} */ (target.closest('[data-fill]'));
    if (chip) {
      const input = /** @type {HTMLInputElement} */ ($('#command'));
      input.value = chip.dataset.fill || '';
      input.focus();
    }
  });

  document.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.target);
    if (form.id === 'composer') void sendComposer();
    else if (form.classList.contains('modal')) void submitModal(form);
  });

  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || $('#modal-layer').hidden) return;
    const form = /** @type {HTMLFormElement | null} */ (document.querySelector('#modal-layer form.modal'));
    if (form) void closeModal(form.dataset.viewId || '');
  });

  /** Someone else now: their own channel, unread counts, DMs, modals and commands. */
  /** @param {string} as */
  function become(as) {
    if (as === state.as) return;
    state.as = as;
    state.pane = '';
    state.seen = {};
    state.edits = new Map();
    state.renderedPane = '';
    state.modalKey = null;
    /** @type {HTMLSelectElement} */ ($('#as')).value = as;
  }

  $('#as').addEventListener('change', (event) => {
    become(/** @type {HTMLSelectElement} */ (event.target).value);
    void showPane(state.pane);
  });

  // A link or the back button changed who or where: go there.
  window.addEventListener('hashchange', () => {
    const params = new URLSearchParams(location.hash.slice(1));
    const as = params.get('as') || state.as;
    if (people.some((p) => p.id === as)) become(as);
    void showPane(params.get('pane') || (params.get('as') ? '' : state.pane));
  });

  // ─── The loop ───

  async function poll() {
    try {
      await refresh();
      if (state.failures > 0) toast('Connected to the sandbox again.');
      state.failures = 0;
    } catch (error) {
      state.failures += 1;
      if (state.failures === 3)
        toast(
          `The sandbox is not answering (${/** @type {Error} */ (error).message}). Is npm run sandbox still running?`,
        );
    }
    setTimeout(poll, POLL_MS);
  }

  restore();
  void showPane(state.pane).then(() => setTimeout(poll, POLL_MS));
})();
