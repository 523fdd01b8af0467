#!/usr/bin/env bash
# Makes the derived images of testdata/photos from Debian's mate-backgrounds 1.26.0 and
# ukui-wallpapers 20.04.3 (apt-get install mate-backgrounds ukui-wallpapers imagemagick).
# Not run by the tests: its output is committed. Every image is 320 px wide.
set -euo pipefail
out=${1:-$(dirname "$0")}
N=/usr/share/backgrounds/mate/nature
U=/usr/share/backgrounds
A=/usr/share/backgrounds/mate/abstract
# Output last; no timestamps in the PNG, so a re-run gives the same bytes.
im() { convert "${@:1:$#-1}" -strip -define png:exclude-chunks=date,time "${@: -1}"; }
w320() { im "$1" -background white -flatten -resize 320x "$2"; }
# Illustrations, whole.
w320 $U/calla.png "$out/ill-calla.png"
w320 $U/goldfish.png "$out/ill-goldfish.png"
w320 $U/firstgeneration.jpg "$out/ill-tiger.png"
w320 $U/the-mouse.jpg "$out/ill-mouse.png"
w320 $U/rollpaper.png "$out/ill-rollpaper.png"
w320 $U/2004default.jpg "$out/ill-ribbon.png"
w320 $U/rhythm.jpg "$out/ill-wave.png"
w320 $A/Elephants.jpg "$out/ill-elephants.png"
# Recoloured: the hue turned (ImageMagick's -modulate: 100 keeps it, ±100 is ±180°).
hue() { im "$1" -modulate 100,100,"$2" -resize 320x "$3"; }
hue $N/LadyBird.jpg 33.3 "$out/rec-ladybird-blue.png"       # red → blue (−120°)
hue $N/Garden.jpg 33.3 "$out/rec-garden-blue.png"           # red → blue
hue $N/YellowFlower.jpg 33.3 "$out/rec-yellowflower-pink.png" # yellow → magenta
hue $N/FreshFlower.jpg 44.4 "$out/rec-freshflower-purple.png" # orange → purple (−100°)
hue $N/GreenMeadow.jpg 33.3 "$out/rec-greenmeadow-red.png"  # green → red
hue $N/Blinds.jpg 166.7 "$out/rec-blinds-blue.png"          # green → blue (+120°)
hue $U/goldfish.png 133.3 "$out/rec-goldfish-orange.png"    # pink → orange (+60°)
hue $U/calla.png 166.7 "$out/rec-calla-green.png"           # orange → green-ish (+120°)
# Crops (fractions of the original: x0 y0 x1 y1), each then 320 px wide.
crop() { local f=$1 W H; W=$(identify -format %w "$f"); H=$(identify -format %h "$f")
  im "$f" -crop "$(awk -v W=$W -v H=$H -v a=$2 -v b=$3 -v c=$4 -v d=$5 'BEGIN{printf "%dx%d+%d+%d", (c-a)*W, (d-b)*H, a*W, b*H}')" +repage -resize "${7:-320x}" "$6"; }
crop $N/LadyBird.jpg 0.58 0.32 0.82 0.68 "$out/crop-ladybug.png"
crop $N/TwoWings.jpg 0.60 0.05 1.00 0.70 "$out/crop-seed.png"
crop $N/Garden.jpg 0.35 0.15 1.00 1.00 "$out/crop-garden.png"
crop $N/YellowFlower.jpg 0.45 0.00 1.00 1.00 "$out/crop-yellowflower.png"
crop $N/LadyBird.jpg 0.00 0.00 0.36 0.55 "$out/crop-forgetmenots.png"
# Two crops side by side (or one above the other), and the same mirrored: relations.
t=$(mktemp -d)
crop $N/LadyBird.jpg 0.60 0.30 0.80 0.72 "$t/bug.png" 160x200!
crop $N/YellowFlower.jpg 0.50 0.00 1.00 1.00 "$t/yf.png" 160x200!
crop $N/Garden.jpg 0.40 0.15 1.00 1.00 "$t/gd.png" 160x200!
crop $N/Blinds.jpg 0.00 0.00 0.50 1.00 "$t/leaf.png" 160x200!
im "$t/bug.png" "$t/yf.png" +append "$out/pair-bug-flower.png"
im "$t/bug.png" "$t/yf.png" +append -flop "$out/pair-flower-bug.png"
im "$t/gd.png" "$t/leaf.png" +append "$out/pair-flower-leaf.png"
im "$t/gd.png" "$t/leaf.png" +append -flop "$out/pair-leaf-flower.png"
im "$t/gd.png" -modulate 100,100,33.3 "$t/gdblue.png"
im "$t/gd.png" "$t/gdblue.png" +append "$out/pair-red-blue.png"
im "$t/gd.png" "$t/gdblue.png" +append -flop "$out/pair-blue-red.png"
crop $N/YellowFlower.jpg 0.50 0.20 1.00 0.90 "$t/yf2.png" 320x120!
crop $N/Garden.jpg 0.35 0.20 1.00 0.95 "$t/gd2.png" 320x120!
im "$t/yf2.png" "$t/gd2.png" -append "$out/stack-yellow-red.png"
im "$t/yf2.png" "$t/gd2.png" -append -flip "$out/stack-red-yellow.png"
rm -rf "$t"
