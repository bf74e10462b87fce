// resp_live.js - the live feed of the Responssenter console (web/views/responssenter.js): load
// the queue, then follow GET /api/v1/resp/stream with an EventSource (same origin, the session
// cookie goes along). The browser reconnects a dropped stream by itself and sends Last-Event-ID,
// so the server replays what was missed; only when the browser gives up (an error answer, e.g.
// after a restart) does the feed load the queue again and open a new stream, every few seconds
// until it works. Frames ("alarm") and "reset" go to the console; the connection state to onState.

const RECONNECT_MS = 3000;

/**
 * liveFeed({ load, url, onFrame, onReset, onState, signal }) -> { restart, stop }
 *   load():    async; loads the queue: true = loaded, false = failed (try again later),
 *              null = give up (no access)
 *   url():     the stream URL (with the queue's last_seq as ?after=)
 *   onFrame(frame), onReset(): the stream's "alarm" and "reset" events
 *   onState(state): 'wait' | 'ok' | 'retry' (the browser reconnects) | 'down' (the feed will)
 *   signal:    stops everything when aborted
 */
export function liveFeed({ load, url, onFrame, onReset, onState, signal }) {
  let source = null;
  let timer = 0;

  function stop() {
    if (source) source.close();
    source = null;
    clearTimeout(timer);
  }

  function open() {
    stop();
    const es = new EventSource(url());
    source = es;
    es.addEventListener('open', () => { if (source === es) onState('ok'); });
    es.addEventListener('error', () => {
      if (source !== es) return;
      if (es.readyState === EventSource.CLOSED) {
        onState('down');
        stop();
        timer = setTimeout(restart, RECONNECT_MS);
      } else {
        onState('retry');
      }
    });
    es.addEventListener('alarm', (e) => {
      if (source !== es) return;
      let frame = null;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      onFrame(frame);
    });
    es.addEventListener('reset', () => { if (source === es) onReset(); });
  }

  async function restart() {
    stop();
    if (signal.aborted) return;
    const loaded = await load();
    if (signal.aborted) return;
    if (loaded === true) open();
    else if (loaded === false) timer = setTimeout(restart, RECONNECT_MS);
  }

  signal.addEventListener('abort', stop);
  return { restart, stop };
}
