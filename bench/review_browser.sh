#!/usr/bin/env bash
# Times the review app in headless Chromium (through ChromeDriver's HTTP API) on a 1,000-draft
# campaign (sim provider, offline; drafts of DRAFT_SIZE px, default 1024), issue 29's figures:
#  - the shot page's DOMContentLoaded and load (Navigation Timing), median of 5 loads;
#  - the image bytes the page has loaded once it is scrolled to its end (Resource Timing);
#  - key -> decision -> state: from a keydown (A, then 4) to the card showing the decision
#    the server recorded (a MutationObserver on the card), 100 cards x 2 keys: p50, p95;
#  - the loupe: from → to the next full image decoded on screen, 60 steps (a person looks
#    at each image: 150 ms between keys): p50, p95.
# Usage: DARKROOM_BIN=target/release/darkroom bash bench/review_browser.sh
set -euo pipefail
BIN=$(realpath "${DARKROOM_BIN:-target/release/darkroom}")
SIZE=${DRAFT_SIZE:-1024}
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/c.toml" <<TOML
[campaign]
name = "thousand"
output = "out"
[providers.sim]
kind = "sim"
model = "fast-draft"
concurrency = 16
[tiers.draft]
provider = "sim"
size = "$SIZE"
variants = 1000
[tiers.finish]
provider = "sim"
size = "$SIZE"
keep = 1
[gates]
adherence = 0.0
[budget]
money = "100 USD"
max_rounds = 1
[provenance]
enabled = false
[[shots]]
id = "hero"
prompt = "a red sphere to the left of a blue cube on a wooden table, soft window light"
deliver = ["1:1"]
TOML
t0=$(date +%s)
(cd "$dir" && "$BIN" run c.toml >/dev/null 2>&1) || true
echo "campaign: 1000 drafts of ${SIZE} px made in $(( $(date +%s) - t0 )) s"
(cd "$dir" && exec "$BIN" review c.toml --port 0 > "$dir/url.txt") &
for _ in $(seq 100); do grep -q http "$dir/url.txt" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$dir/url.txt" | head -1)
port=9518
chromedriver --port=$port >/dev/null 2>&1 &
for _ in $(seq 100); do curl -s "localhost:$port/status" | grep -q '"ready":true' && break; sleep 0.1; done
python3 - "$url" "$port" "$dir" <<'PY'
import json, sys, urllib.request, statistics
url, port, d = sys.argv[1], sys.argv[2], sys.argv[3]
base, token = url.split('/?token=')
def call(method, path, body=None):
    req = urllib.request.Request(f"http://localhost:{port}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(), headers={'content-type': 'application/json'})
    return json.load(urllib.request.urlopen(req, timeout=600))['value']
caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", f"--user-data-dir={d}/prof", "--window-size=1600,1000"]}}}}
sid = call('POST', '/session', caps)['sessionId']
s = f"/session/{sid}"
call('POST', f"{s}/timeouts", {"script": 600000})
js = lambda script: call('POST', f"{s}/execute/sync", {"args": [], "script": script})
ajs = lambda script: call('POST', f"{s}/execute/async", {"args": [], "script": script})
shot = f"{base}/shot/hero?token={token}"
loads = []
for i in range(5):
    call('POST', f"{s}/url", {"url": "about:blank"})
    call('POST', f"{s}/url", {"url": shot + f"&n={i}"})
    loads.append(js("const n=performance.getEntriesByType('navigation')[0]; return [n.domContentLoadedEventEnd, n.loadEventEnd, document.querySelectorAll('.card').length, n.transferSize]"))
loads.sort(key=lambda v: v[0])
m = loads[2]
print(f"shot page, {m[2]} cards: DOMContentLoaded {m[0]:.0f} ms, load {m[1]:.0f} ms (median of 5; page {m[3]/1024:.0f} KiB)")
cols = js("return getComputedStyle(document.getElementById('sheet')).gridTemplateColumns.split(' ').length")
rows_on_screen = js("const c=document.querySelector('.card'); return Math.floor((innerHeight-c.getBoundingClientRect().top)/c.offsetHeight*10)/10")
print(f"sheet at 1600x1000: {cols} columns x {rows_on_screen} rows on the first screen")
# Scrolls to the end a screen at a time, letting the lazy images load; the image bytes loaded.
SCROLL = """(async()=>{const wait=()=>new Promise(r=>setTimeout(r,60));
for(let y=0;y<document.body.scrollHeight;y+=innerHeight){scrollTo(0,y);await wait();
const imgs=[...document.images].filter(i=>{const r=i.getBoundingClientRect();return r.bottom>0&&r.top<innerHeight&&i.loading==='lazy';});
for(let k=0;k<100&&imgs.some(i=>!i.complete);k++)await wait();}
const e=performance.getEntriesByType('resource').filter(e=>e.initiatorType==='img');
done([e.length,e.reduce((a,x)=>a+(x.encodedBodySize||x.transferSize||0),0)]);})();"""
bytes_ = ajs("const done=arguments[0];performance.setResourceTimingBufferSize(100000);" + SCROLL)
stacked = js("return document.querySelectorAll('.card.stacked').length")
print(f"scrolled to the end: {bytes_[0]} images, {bytes_[1]/1e6:.1f} MB of image bytes ({stacked} near-duplicates stacked)")
# The worst case: every stack open, every card's preview loaded.
call('POST', f"{s}/url", {"url": shot + "&open"})
all_ = ajs("const done=arguments[0];performance.setResourceTimingBufferSize(100000);"
           "document.querySelectorAll('.card.stacked').forEach(c=>c.classList.add('open'));" + SCROLL)
print(f"every stack open, scrolled to the end: {all_[0]} images, {all_[1]/1e6:.1f} MB of image bytes")
call('POST', f"{s}/url", {"url": shot + "&keys"})
keys = ajs("""const done=arguments[0];(async()=>{const out=[];
const press=k=>document.dispatchEvent(new KeyboardEvent('keydown',{key:k,bubbles:true}));
const vis=cards.filter(visible).slice(2,102);
for(const c of vis){sel(cards.indexOf(c));
for(const [k,attr,want] of [['a','data-decision','approve'],['4','data-rating','4']]){
const t=performance.now();await new Promise(res=>{const o=new MutationObserver(()=>{if(c.getAttribute(attr)===want){o.disconnect();res();}});
o.observe(c,{attributes:true});press(k);});out.push(performance.now()-t);}}
done(out);})();""")
keys.sort()
print(f"key -> decision -> state: {len(keys)} keys on {len(keys)//2} shown cards, p50 {statistics.median(keys):.1f} ms, p95 {keys[int(len(keys)*0.95)]:.1f} ms")
loupe = ajs("""const done=arguments[0];(async()=>{const out=[];sel(cards.indexOf(cards.filter(visible)[100]));
const press=k=>document.dispatchEvent(new KeyboardEvent('keydown',{key:k,bubbles:true}));
press(' ');const wait=ms=>new Promise(r=>setTimeout(r,ms));
for(let i=0;i<200&&typeof window.LOUPE_MS!=='number';i++)await wait(10);
for(let n=0;n<60;n++){await wait(150);window.LOUPE_MS=undefined;press('ArrowRight');
for(let i=0;i<500&&typeof window.LOUPE_MS!=='number';i++)await wait(2);out.push(window.LOUPE_MS);}
done(out);})();""")
loupe = sorted(x for x in loupe if x is not None)
print(f"loupe, next image decoded: {len(loupe)} steps, p50 {statistics.median(loupe):.1f} ms, p95 {loupe[int(len(loupe)*0.95)]:.1f} ms")
call('DELETE', s)
PY
