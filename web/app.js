// The search page: plain JavaScript, no build step, no dependencies.
//
// Safety: text from posts is only ever put into the page with textContent or
// createTextNode (never innerHTML); highlight ranges become <mark> elements.
// The server also sends a Content-Security-Policy that allows only our own
// script and style files.
//
// State lives in the URL (/?q=...&category=...&sort=...&page_token=...,
// /?post=ID, /?similar=ID), so every view can be shared and the back button
// works. The stack of previous page tokens lives in history.state.
'use strict';

(() => {
  const PAGE_SIZE = 10;
  const FACET_SIZE = 8;
  const FACETS = ['category', 'tag', 'site', 'year', 'entity'];
  const FACET_LABELS = {
    category: 'Category',
    tag: 'Tag',
    site: 'Site',
    year: 'Year',
    entity: 'Mentions',
  };
  // Filters that are lists in the URL and in the API (multi-select).
  const LIST_FILTERS = ['category', 'tag', 'site', 'entity', 'author'];
  const SPINNER_DELAY_MS = 300;
  const SUGGEST_DELAY_MS = 150;
  const SUGGEST_MIN_CHARS = 2;

  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('search-form'),
    q: $('q'),
    suggestions: $('suggestions'),
    searchView: $('search-view'),
    summary: $('summary'),
    sort: $('sort'),
    toggleFacets: $('toggle-facets'),
    didYouMean: $('did-you-mean'),
    activeFilters: $('active-filters'),
    facets: $('facets'),
    status: $('status'),
    hits: $('hits'),
    pager: $('pager'),
    prev: $('prev-page'),
    next: $('next-page'),
    pageInfo: $('page-info'),
    similarView: $('similar-view'),
    similarTitle: $('similar-title'),
    similarStatus: $('similar-status'),
    similarHits: $('similar-hits'),
    postView: $('post-view'),
    postStatus: $('post-status'),
    postContent: $('post-content'),
    postTitle: $('post-title'),
    postMeta: $('post-meta'),
    postChips: $('post-chips'),
    postBody: $('post-body'),
    seenAt: $('seen-at'),
    postEntitiesSection: $('post-entities-section'),
    postEntities: $('post-entities'),
    postSimilar: $('post-similar'),
    postOriginal: $('post-original'),
    stats: $('stats'),
  };

  // Entity id -> display name, learned from the posts we have seen.
  const entityNames = new Map();
  const dateFormat = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
  });
  const numberFormat = new Intl.NumberFormat('en-GB');
  const utf8 = new TextEncoder();
  const utf8Decoder = new TextDecoder('utf-8');

  // ---------------------------------------------------------------- state

  // The page state, parsed from the URL.
  function readState() {
    const p = new URLSearchParams(location.search);
    const state = {
      q: p.get('q') || '',
      sort: p.get('sort') || 'relevance',
      pageToken: p.get('page_token') || '',
      year: p.get('year') || '',
      post: p.get('post') || '',
      similar: p.get('similar') || '',
    };
    for (const f of LIST_FILTERS) state[f] = p.getAll(f).filter((v) => v !== '');
    if (!['relevance', 'newest', 'oldest'].includes(state.sort)) state.sort = 'relevance';
    return state;
  }

  function stateToUrl(state) {
    const p = new URLSearchParams();
    if (state.post) {
      p.set('post', state.post);
    } else if (state.similar) {
      p.set('similar', state.similar);
    } else {
      if (state.q) p.set('q', state.q);
      for (const f of LIST_FILTERS) for (const v of state[f]) p.append(f, v);
      if (state.year) p.set('year', state.year);
      if (state.sort !== 'relevance') p.set('sort', state.sort);
      if (state.pageToken) p.set('page_token', state.pageToken);
    }
    const qs = p.toString();
    return qs ? `/?${qs}` : '/';
  }

  function searchOnly(state) {
    return { ...state, post: '', similar: '' };
  }

  function hasFilters(state) {
    return LIST_FILTERS.some((f) => state[f].length > 0) || state.year !== '';
  }

  // Goes to a new state: one history entry, then renders it.
  function navigate(state, { prevTokens = [], replace = false } = {}) {
    const url = stateToUrl(state);
    // inApp tells "Back" links that history.back() stays on this page.
    const entry = { prevTokens, inApp: replace ? Boolean(history.state && history.state.inApp) : true };
    if (replace) history.replaceState(entry, '', url);
    else history.pushState(entry, '', url);
    window.scrollTo(0, 0);
    render();
  }

  function prevTokens() {
    return (history.state && Array.isArray(history.state.prevTokens)) ? history.state.prevTokens : [];
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(message, httpStatus, status) {
      super(message);
      this.httpStatus = httpStatus;
      this.status = status;
    }
  }

  // A filter value the server would split on commas is sent in double quotes.
  function listValue(v) {
    return /[,"]/.test(v) ? `"${v.replace(/"/g, '')}"` : v;
  }

  async function api(path, params, signal) {
    const qs = params ? params.toString() : '';
    let response;
    try {
      response = await fetch(qs ? `${path}?${qs}` : path, {
        signal, headers: { Accept: 'application/json' },
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError('Cannot reach the search service. Check your connection and try again.', 0, 'UNAVAILABLE');
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      if (e.name === 'AbortError') throw e;
    }
    if (!response.ok) {
      const err = body && body.error;
      throw new ApiError(
        (err && err.message) || `The service answered ${response.status}.`,
        response.status, (err && err.status) || '');
    }
    if (body === null) throw new ApiError('The service sent an answer that is not JSON.', response.status, 'INTERNAL');
    return body;
  }

  function searchParams(state) {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    for (const f of LIST_FILTERS) for (const v of state[f]) p.append(f, listValue(v));
    if (state.year) {
      p.set('after', state.year);
      p.set('before', state.year);
    }
    p.set('sort', state.sort);
    p.set('facets', FACETS.join(','));
    p.set('facet_size', String(FACET_SIZE));
    p.set('page_size', String(PAGE_SIZE));
    if (state.pageToken) p.set('page_token', state.pageToken);
    return p;
  }

  // ---------------------------------------------------------------- DOM helpers

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // Appends `text` to `parent` with the half-open UTF-8 *byte* ranges in
  // `highlights` wrapped in <mark>. Ranges out of order, overlapping or out
  // of bounds are skipped; cuts inside a character are moved to its start.
  function appendHighlighted(parent, text, highlights) {
    const bytes = utf8.encode(text || '');
    const atBoundary = (i) => {
      i = Math.max(0, Math.min(bytes.length, i));
      while (i > 0 && i < bytes.length && (bytes[i] & 0xC0) === 0x80) i -= 1;
      return i;
    };
    const piece = (a, b) => utf8Decoder.decode(bytes.subarray(a, b));
    let pos = 0;
    for (const range of highlights || []) {
      const start = atBoundary(Number(range.start || 0));
      const end = atBoundary(Number(range.end || 0));
      if (start < pos || end <= start) continue;
      if (start > pos) parent.append(document.createTextNode(piece(pos, start)));
      parent.append(h('mark', { text: piece(start, end) }));
      pos = end;
    }
    if (pos < bytes.length) parent.append(document.createTextNode(piece(pos, bytes.length)));
  }

  function formatDate(timestamp) {
    if (!timestamp) return '';
    const d = new Date(timestamp);
    return Number.isNaN(d.getTime()) ? '' : dateFormat.format(d);
  }

  function isWebUrl(u) {
    try {
      const parsed = new URL(u);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      return false;
    }
  }

  function plural(n, one, many) {
    return `${numberFormat.format(n)} ${n === 1 ? one : many}`;
  }

  function rememberEntities(post) {
    for (const e of post.entities || []) if (e.id && e.name) entityNames.set(e.id, e.name);
  }

  function facetLabel(facet, value) {
    if (facet === 'entity') return entityNames.get(value) || value;
    return value;
  }

  // Shows a spinner in `statusNode` if the work takes longer than 300 ms.
  function slowIndicator(statusNode, label) {
    const timer = setTimeout(() => {
      showStatus(statusNode, 'loading', label);
    }, SPINNER_DELAY_MS);
    return () => clearTimeout(timer);
  }

  function showStatus(node, kind, title, detail, action) {
    clear(node);
    node.className = `status status-${kind}`;
    if (kind === 'loading') node.append(h('span', { class: 'spinner', 'aria-hidden': 'true' }));
    const box = h('div', { class: 'status-text' }, h('p', { class: 'status-title', text: title }));
    if (detail) box.append(h('p', { class: 'status-detail', text: detail }));
    if (action) box.append(action);
    node.append(box);
    node.hidden = false;
  }

  function hideStatus(node) {
    node.hidden = true;
    clear(node);
  }

  function describeError(e) {
    if (e.httpStatus === 400) return ['That search could not be run.', e.message];
    if (e.httpStatus === 404) return ['Not found.', e.message];
    if (e.httpStatus === 429) return ['Too many requests right now.', e.message];
    if (e.httpStatus === 503 || e.httpStatus === 0) return ['The search service is unavailable.', e.message];
    if (e.httpStatus === 504) return ['The search took too long.', e.message];
    return ['Something went wrong.', e.message];
  }

  // ---------------------------------------------------------------- hits

  function renderHit(hit, state) {
    const post = hit.post || {};
    rememberEntities(post);
    const postHref = stateToUrl({ ...searchOnly(state), post: post.id });
    const titleLink = h('a', { href: postHref, class: 'hit-link', 'data-post': post.id });
    const title = hit.title_highlight && hit.title_highlight.text ? hit.title_highlight : { text: post.title || '(untitled)' };
    appendHighlighted(titleLink, title.text, title.highlights);
    titleLink.addEventListener('click', (ev) => {
      if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      navigate({ ...searchOnly(state), post: post.id }, { prevTokens: prevTokens() });
    });

    const meta = h('p', { class: 'meta' });
    const metaParts = [];
    if (post.site) metaParts.push(h('span', { class: 'site', text: post.site }));
    const date = formatDate(post.published);
    if (date) metaParts.push(h('time', { datetime: post.published, text: date }));
    if (post.author) metaParts.push(h('span', { text: post.author }));
    if (post.comment_count) metaParts.push(h('span', { text: plural(post.comment_count, 'comment', 'comments') }));
    metaParts.forEach((part, i) => {
      if (i > 0) meta.append(h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }));
      meta.append(part);
    });

    const snippet = h('p', { class: 'snippet' });
    if (hit.snippet && hit.snippet.text) appendHighlighted(snippet, hit.snippet.text, hit.snippet.highlights);

    const chips = h('ul', { class: 'chips', 'aria-label': 'Categories' });
    for (const c of post.categories || []) {
      const selected = state.category.includes(c);
      chips.append(h('li', null, h('button', {
        type: 'button',
        class: selected ? 'chip chip-selected' : 'chip',
        'aria-pressed': selected ? 'true' : 'false',
        title: selected ? `Remove the filter “${c}”` : `Show only posts in “${c}”`,
        text: c,
        onclick: () => toggleFilter(state, 'category', c),
      })));
    }

    const actions = h('p', { class: 'hit-actions' });
    actions.append(h('a', {
      href: stateToUrl({ ...searchOnly(state), similar: post.id }),
      class: 'action more-like-this',
      onclick: (ev) => {
        if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
        ev.preventDefault();
        navigate({ ...searchOnly(state), similar: post.id }, { prevTokens: prevTokens() });
      },
    }, 'More like this'));
    if (post.canonical_url && isWebUrl(post.canonical_url)) {
      actions.append(h('a', {
        href: post.canonical_url, class: 'action', target: '_blank', rel: 'noopener noreferrer',
      }, 'Original', h('span', { class: 'visually-hidden', text: ' (opens in a new tab)' })));
    }
    if (hit.duplicate_count) {
      actions.append(h('span', { class: 'duplicates', text: `+${plural(hit.duplicate_count, 'near-duplicate', 'near-duplicates')}` }));
    }

    return h('li', { class: 'hit' },
      h('h2', { class: 'hit-title' }, titleLink), meta,
      snippet.childNodes.length ? snippet : null,
      chips.childNodes.length ? chips : null,
      actions);
  }

  // ---------------------------------------------------------------- facets

  function toggleFilter(state, facet, value) {
    const next = { ...searchOnly(state), pageToken: '' };
    if (facet === 'year') {
      next.year = state.year === value ? '' : value;
    } else {
      const values = state[facet];
      next[facet] = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
    }
    navigate(next);
  }

  function renderFacets(state, facets) {
    clear(el.facets);
    let any = false;
    for (const facet of facets || []) {
      const name = facet.name;
      if (!FACET_LABELS[name]) continue;
      let values = (facet.values || []).map((v) => ({
        value: v.value, label: v.label || v.value, count: Number(v.count || 0),
        selected: name === 'year' ? state.year === v.value : Boolean(v.selected),
      }));
      // A selected value outside the top list stays visible so it can be removed.
      const chosen = name === 'year' ? (state.year ? [state.year] : []) : state[name] || [];
      for (const c of chosen) {
        if (!values.some((v) => v.value.toLowerCase() === c.toLowerCase())) {
          values.push({ value: c, label: facetLabel(name, c), count: null, selected: true });
        }
      }
      if (name === 'year') values.sort((a, b) => b.value.localeCompare(a.value));
      if (values.length === 0) continue;
      any = true;
      const headingId = `facet-${name}-heading`;
      const list = h('ul', { class: 'facet-values', 'aria-labelledby': headingId });
      for (const v of values) {
        if (name === 'entity' && v.label !== v.value) entityNames.set(v.value, v.label);
        const label = v.label;
        const button = h('button', {
          type: 'button',
          class: 'facet-value',
          'aria-pressed': v.selected ? 'true' : 'false',
          'data-value': v.value,
          onclick: () => toggleFilter(state, name, v.value),
        },
        h('span', { class: 'facet-check', 'aria-hidden': 'true' }),
        h('span', { class: 'facet-label', text: label, title: label }),
        v.count === null ? null : h('span', {
          class: 'facet-count',
          // Broad queries on a large index get estimated counts.
          text: (facet.counts_are_estimates ? '\u2248\u2009' : '') + numberFormat.format(v.count),
          title: facet.counts_are_estimates
            ? 'estimated count' +
              (facet.sampled_one_in ? ' (from 1 in ' + numberFormat.format(Number(facet.sampled_one_in)) +
                ' of the matches)' : '')
            : null,
        }));
        list.append(h('li', null, button));
      }
      el.facets.append(h('section', { class: 'facet', 'data-facet': name },
        h('h2', { class: 'facet-heading', id: headingId, text: FACET_LABELS[name] }), list));
    }
    if (hasFilters(state)) {
      el.facets.prepend(h('p', { class: 'facet-clear' }, h('button', {
        type: 'button', class: 'link-button', onclick: () => clearFilters(state),
      }, 'Clear all filters')));
    }
    el.facets.hidden = !any && !hasFilters(state);
    el.searchView.classList.toggle('no-facets', el.facets.hidden);
  }

  function clearFilters(state) {
    const next = { ...searchOnly(state), pageToken: '', year: '' };
    for (const f of LIST_FILTERS) next[f] = [];
    navigate(next);
  }

  function renderActiveFilters(state) {
    clear(el.activeFilters);
    const add = (facet, value, label) => {
      el.activeFilters.append(h('li', null, h('button', {
        type: 'button', class: 'chip chip-selected chip-removable',
        'aria-label': `Remove filter ${FACET_LABELS[facet] || facet}: ${label}`,
        onclick: () => toggleFilter(state, facet, value),
      }, h('span', { class: 'chip-facet', text: `${FACET_LABELS[facet] || facet}: ` }), label,
      h('span', { class: 'chip-x', 'aria-hidden': 'true', text: '×' }))));
    };
    for (const f of LIST_FILTERS) for (const v of state[f]) add(f, v, facetLabel(f, v));
    if (state.year) add('year', state.year, state.year);
    el.activeFilters.hidden = !el.activeFilters.firstChild;
  }

  // ---------------------------------------------------------------- views

  let inflight = null;  // AbortController of the current view's request

  function startRequest() {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    return inflight;
  }

  function showView(name) {
    el.searchView.hidden = name !== 'search';
    el.similarView.hidden = name !== 'similar';
    el.postView.hidden = name !== 'post';
  }

  async function renderSearch(state) {
    showView('search');
    document.title = state.q ? `${state.q} – SCR commentary search` : 'SCR commentary search';
    el.sort.value = state.sort;
    renderActiveFilters(state);
    const controller = startRequest();
    const stop = slowIndicator(el.status, 'Searching…');
    el.searchView.setAttribute('aria-busy', 'true');
    try {
      const response = await api('/v1/search', searchParams(state), controller.signal);
      stop();
      if (controller.signal.aborted) return;
      renderSearchResponse(state, response);
    } catch (e) {
      stop();
      if (e.name === 'AbortError') return;
      const [title, detail] = describeError(e);
      clear(el.hits);
      el.pager.hidden = true;
      el.didYouMean.hidden = true;
      el.summary.textContent = '';
      showStatus(el.status, 'error', title, detail,
        h('button', { type: 'button', class: 'button-quiet', onclick: () => render() }, 'Try again'));
    } finally {
      if (inflight === controller) el.searchView.removeAttribute('aria-busy');
    }
  }

  function renderSearchResponse(state, response) {
    const hits = response.hits || [];
    const total = Number(response.estimated_total_size || 0);
    const tokens = prevTokens();
    const page = state.pageToken ? (tokens.length ? tokens.length + 1 : null) : 1;
    hideStatus(el.status);
    clear(el.hits);
    for (const hit of hits) el.hits.append(renderHit(hit, state));
    renderFacets(state, response.facets);
    renderActiveFilters(state);  // entity names may be known now

    // Summary line.
    if (hits.length === 0) {
      el.summary.textContent = '';
    } else {
      const browsing = !state.q && !hasFilters(state);
      const posts = plural(total, 'post', 'posts');
      const count = response.total_is_exact ? (browsing ? `All ${posts}` : posts) : `About ${posts}`;
      const first = page ? (page - 1) * PAGE_SIZE + 1 : null;
      const range = first ? ` · showing ${numberFormat.format(first)}–${numberFormat.format(first + hits.length - 1)}` : '';
      const took = response.took_micros ? ` · ${(Number(response.took_micros) / 1000).toFixed(0)} ms` : '';
      el.summary.textContent = `${count}${range}${took}`;
    }

    // Did you mean.
    clear(el.didYouMean);
    const corrected = response.corrected_query || '';
    if (corrected && corrected !== state.q) {
      el.didYouMean.append('Did you mean ', h('a', {
        href: stateToUrl({ ...searchOnly(state), q: corrected, pageToken: '' }),
        class: 'corrected',
        onclick: (ev) => {
          ev.preventDefault();
          el.q.value = corrected;
          navigate({ ...searchOnly(state), q: corrected, pageToken: '' });
        },
      }, h('strong', { text: corrected })), '?');
      el.didYouMean.hidden = false;
    } else {
      el.didYouMean.hidden = true;
    }

    // No results.
    if (hits.length === 0) {
      const tips = [];
      if (hasFilters(state)) tips.push('remove some filters');
      if (state.q.trim().split(/\s+/).length > 1) tips.push('use fewer words');
      tips.push('check the spelling', 'try a broader term such as “review” or “safeguarding”');
      const action = hasFilters(state)
        ? h('button', { type: 'button', class: 'button-quiet', onclick: () => clearFilters(state) }, 'Clear all filters')
        : null;
      showStatus(el.status, 'empty',
        state.q ? `No posts match “${state.q}”.` : 'No posts match these filters.',
        `You could ${tips.join(', ')}.`, action);
      el.status.classList.add('empty-state');
    }

    // Pager.
    const next = response.next_page_token || '';
    const hasPrev = Boolean(state.pageToken);
    el.pager.hidden = !next && !hasPrev;
    el.prev.disabled = !hasPrev;
    el.next.disabled = !next;
    el.pageInfo.textContent = page ? `Page ${page}` : '';
    el.next.onclick = () => {
      navigate({ ...searchOnly(state), pageToken: next }, { prevTokens: [...tokens, state.pageToken] });
    };
    el.prev.onclick = () => {
      const rest = tokens.slice();
      const previous = rest.length ? rest.pop() : '';
      navigate({ ...searchOnly(state), pageToken: previous }, { prevTokens: rest });
    };
  }

  async function renderSimilar(state) {
    showView('similar');
    clear(el.similarHits);
    el.similarTitle.textContent = 'Similar posts';
    document.title = 'Similar posts – SCR commentary search';
    const controller = startRequest();
    const stop = slowIndicator(el.similarStatus, 'Finding similar posts…');
    try {
      const [post, response] = await Promise.all([
        api(`/v1/posts/${encodeURIComponent(state.similar)}`, null, controller.signal),
        api(`/v1/posts/${encodeURIComponent(state.similar)}:moreLikeThis`,
          new URLSearchParams({ page_size: String(PAGE_SIZE) }), controller.signal),
      ]);
      stop();
      if (controller.signal.aborted) return;
      hideStatus(el.similarStatus);
      clear(el.similarTitle);
      el.similarTitle.append('Posts like ', h('q', { text: post.title || '(untitled)' }));
      document.title = `Posts like ${post.title || ''} – SCR commentary search`;
      const hits = response.hits || [];
      for (const hit of hits) el.similarHits.append(renderHit(hit, state));
      if (hits.length === 0) {
        showStatus(el.similarStatus, 'empty', 'No similar posts found.',
          'This post shares few significant words with the others in the index.');
      }
    } catch (e) {
      stop();
      if (e.name === 'AbortError') return;
      const [title, detail] = describeError(e);
      showStatus(el.similarStatus, 'error', title, detail);
    }
  }

  async function renderPost(state) {
    showView('post');
    el.postContent.hidden = true;
    document.title = 'Post – SCR commentary search';
    const controller = startRequest();
    const stop = slowIndicator(el.postStatus, 'Loading the post…');
    try {
      const post = await api(`/v1/posts/${encodeURIComponent(state.post)}`, null, controller.signal);
      stop();
      if (controller.signal.aborted) return;
      hideStatus(el.postStatus);
      rememberEntities(post);
      fillPost(state, post);
      el.postContent.hidden = false;
      el.postTitle.setAttribute('tabindex', '-1');
      el.postTitle.focus({ preventScroll: true });
    } catch (e) {
      stop();
      if (e.name === 'AbortError') return;
      const [title, detail] = describeError(e);
      showStatus(el.postStatus, 'error', title, detail);
    }
  }

  function fillPost(state, post) {
    document.title = `${post.title || 'Post'} – SCR commentary search`;
    el.postTitle.textContent = post.title || '(untitled)';

    clear(el.postMeta);
    const parts = [];
    if (post.site) parts.push(h('span', { class: 'site', text: post.site }));
    const date = formatDate(post.published);
    if (date) parts.push(h('time', { datetime: post.published, text: date }));
    if (post.author) parts.push(h('span', { text: `by ${post.author}` }));
    if (post.comment_count) parts.push(h('span', { text: plural(post.comment_count, 'comment', 'comments') }));
    if (post.body_is_excerpt) parts.push(h('span', { class: 'excerpt-note', text: 'excerpt only' }));
    parts.forEach((part, i) => {
      if (i > 0) el.postMeta.append(h('span', { class: 'sep', 'aria-hidden': 'true', text: '·' }));
      el.postMeta.append(part);
    });

    clear(el.postChips);
    const back = searchOnly(state);
    for (const c of post.categories || []) {
      el.postChips.append(h('li', null, h('a', {
        class: 'chip', href: stateToUrl({ ...back, q: '', category: [c], tag: [], site: [], entity: [], author: [], year: '', pageToken: '' }),
        text: c,
      })));
    }
    for (const t of post.tags || []) {
      el.postChips.append(h('li', null, h('a', {
        class: 'chip chip-tag', href: stateToUrl({ ...back, q: '', category: [], tag: [t], site: [], entity: [], author: [], year: '', pageToken: '' }),
        text: `#${t}`,
      })));
    }
    el.postChips.hidden = !el.postChips.firstChild;

    clear(el.postBody);
    const paragraphs = (post.body || '').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
    for (const p of paragraphs) el.postBody.append(h('p', { text: p }));
    if (paragraphs.length === 0) el.postBody.append(h('p', { class: 'muted', text: 'This post has no body text.' }));

    clear(el.seenAt);
    const urls = post.source_urls && post.source_urls.length ? post.source_urls : (post.canonical_url ? [post.canonical_url] : []);
    for (const u of urls) {
      const isCanonical = u === post.canonical_url;
      const item = h('li', null,
        isWebUrl(u) ? h('a', { href: u, target: '_blank', rel: 'noopener noreferrer', text: u }) : h('span', { text: u }));
      if (isCanonical) item.append(h('span', { class: 'badge', text: 'permalink' }));
      el.seenAt.append(item);
    }
    if (!urls.length) el.seenAt.append(h('li', { class: 'muted', text: 'No address recorded.' }));

    clear(el.postEntities);
    for (const e of post.entities || []) {
      el.postEntities.append(h('li', null, h('a', {
        class: 'chip', href: stateToUrl({ ...back, q: '', category: [], tag: [], site: [], entity: [e.id], author: [], year: '', pageToken: '' }),
        title: e.mentions ? plural(e.mentions, 'mention', 'mentions') : undefined,
        text: e.name || e.id,
      })));
    }
    el.postEntitiesSection.hidden = !el.postEntities.firstChild;

    el.postSimilar.href = stateToUrl({ ...back, similar: post.id });
    el.postSimilar.onclick = (ev) => {
      if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
      ev.preventDefault();
      navigate({ ...back, similar: post.id }, { prevTokens: prevTokens() });
    };
    const original = post.canonical_url || urls[0] || '';
    el.postOriginal.hidden = !isWebUrl(original);
    if (isWebUrl(original)) el.postOriginal.href = original;
  }

  function render() {
    closeSuggestions();
    const state = readState();
    if (document.activeElement !== el.q) el.q.value = state.q;
    if (state.post) return renderPost(state);
    if (state.similar) return renderSimilar(state);
    return renderSearch(state);
  }

  // ---------------------------------------------------------------- suggestions

  let suggestTimer = 0;
  let suggestController = null;
  let suggestionItems = [];
  let activeSuggestion = -1;

  function closeSuggestions() {
    clearTimeout(suggestTimer);
    if (suggestController) suggestController.abort();
    suggestionItems = [];
    activeSuggestion = -1;
    el.suggestions.hidden = true;
    clear(el.suggestions);
    el.q.setAttribute('aria-expanded', 'false');
    el.q.removeAttribute('aria-activedescendant');
  }

  function setActiveSuggestion(i) {
    activeSuggestion = i;
    suggestionItems.forEach((item, j) => item.node.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    if (i >= 0) {
      el.q.setAttribute('aria-activedescendant', suggestionItems[i].node.id);
      suggestionItems[i].node.scrollIntoView({ block: 'nearest' });
    } else {
      el.q.removeAttribute('aria-activedescendant');
    }
  }

  function pickSuggestion(item) {
    closeSuggestions();
    const state = readState();
    if (item.kind === 'title' && item.post_id) {
      navigate({ ...searchOnly(state), post: item.post_id }, { prevTokens: prevTokens() });
      return;
    }
    const text = item.kind === 'entity' && /\s/.test(item.text) ? `"${item.text}"` : item.text;
    el.q.value = text;
    navigate({ ...searchOnly(state), q: text, pageToken: '' });
  }

  async function fetchSuggestions(prefix) {
    if (suggestController) suggestController.abort();
    suggestController = new AbortController();
    const controller = suggestController;
    try {
      const response = await api('/v1/suggest', new URLSearchParams({ q: prefix, limit: '8' }), controller.signal);
      if (controller.signal.aborted || el.q.value.trim() !== prefix || document.activeElement !== el.q) return;
      showSuggestions(prefix, response.suggestions || []);
    } catch {
      // Suggestions are a convenience: failures are silent.
    }
  }

  function showSuggestions(prefix, suggestions) {
    clear(el.suggestions);
    suggestionItems = [];
    activeSuggestion = -1;
    suggestions.forEach((s, i) => {
      const node = h('li', {
        id: `suggestion-${i}`, role: 'option', class: 'suggestion', 'aria-selected': 'false',
      });
      const text = h('span', { class: 'suggestion-text' });
      // Bold the typed prefix when the suggestion starts with it.
      if (s.text.toLowerCase().startsWith(prefix.toLowerCase())) {
        text.append(h('strong', { text: s.text.slice(0, prefix.length) }), s.text.slice(prefix.length));
      } else {
        text.textContent = s.text;
      }
      node.append(text, h('span', { class: 'suggestion-kind', text: s.kind === 'entity' ? 'topic' : 'post' }));
      node.addEventListener('mousedown', (ev) => {
        ev.preventDefault();  // keep focus in the input
        pickSuggestion(s);
      });
      node.addEventListener('mousemove', () => {
        if (activeSuggestion !== i) setActiveSuggestion(i);
      });
      el.suggestions.append(node);
      suggestionItems.push({ ...s, node });
    });
    const open = suggestionItems.length > 0;
    el.suggestions.hidden = !open;
    el.q.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  el.q.addEventListener('input', () => {
    clearTimeout(suggestTimer);
    const prefix = el.q.value.trim();
    if (prefix.length < SUGGEST_MIN_CHARS) {
      closeSuggestions();
      return;
    }
    suggestTimer = setTimeout(() => fetchSuggestions(prefix), SUGGEST_DELAY_MS);
  });

  el.q.addEventListener('keydown', (ev) => {
    const open = !el.suggestions.hidden && suggestionItems.length > 0;
    if (ev.key === 'ArrowDown' && open) {
      ev.preventDefault();
      setActiveSuggestion((activeSuggestion + 1) % suggestionItems.length);
    } else if (ev.key === 'ArrowUp' && open) {
      ev.preventDefault();
      setActiveSuggestion(activeSuggestion <= 0 ? suggestionItems.length - 1 : activeSuggestion - 1);
    } else if (ev.key === 'Enter' && open && activeSuggestion >= 0) {
      ev.preventDefault();
      pickSuggestion(suggestionItems[activeSuggestion]);
    } else if (ev.key === 'Escape') {
      if (open) {
        ev.preventDefault();
        closeSuggestions();
      } else if (el.q.value) {
        // A second Esc clears the box, like most search fields.
        ev.preventDefault();
        el.q.value = '';
      }
    }
  });

  el.q.addEventListener('blur', () => setTimeout(closeSuggestions, 100));

  // ---------------------------------------------------------------- wiring

  el.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    closeSuggestions();
    const state = readState();
    navigate({ ...searchOnly(state), q: el.q.value.trim(), pageToken: '' });
  });

  el.sort.addEventListener('change', () => {
    navigate({ ...searchOnly(readState()), sort: el.sort.value, pageToken: '' });
  });

  el.toggleFacets.addEventListener('click', () => {
    const open = el.searchView.classList.toggle('facets-open');
    el.toggleFacets.setAttribute('aria-expanded', open ? 'true' : 'false');
  });

  // Back links return to the previous view when we came from one.
  document.addEventListener('click', (ev) => {
    const link = ev.target.closest && ev.target.closest('a[data-back]');
    if (!link) return;
    ev.preventDefault();
    if (history.state && history.state.inApp) history.back();
    else navigate(searchOnly(readState()));
  });

  document.getElementById('home-link').addEventListener('click', (ev) => {
    if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    el.q.value = '';
    navigate({ ...readState(), q: '', post: '', similar: '', pageToken: '', year: '', category: [], tag: [], site: [], entity: [], author: [] });
  });

  // "/" focuses the search box from anywhere but a text field.
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    const typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (typing) return;
    ev.preventDefault();
    el.q.focus();
    el.q.select();
  });

  window.addEventListener('popstate', render);

  async function loadStats() {
    try {
      const stats = await api('/v1/stats');
      const count = Number(stats.document_count || 0);
      const when = stats.last_commit ? ` · updated ${formatDate(stats.last_commit)}` : '';
      el.stats.textContent = `${plural(count, 'post', 'posts')} indexed${when}`;
    } catch {
      el.stats.textContent = '';
    }
  }

  // The long placeholder with examples does not fit a phone's search box.
  const narrow = window.matchMedia('(max-width: 600px)');
  const wide = el.q.getAttribute('placeholder');
  const setPlaceholder = () => { el.q.placeholder = narrow.matches ? 'Search commentary' : wide; };
  narrow.addEventListener('change', setPlaceholder);
  setPlaceholder();

  render();
  loadStats();
})();
