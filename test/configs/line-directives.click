// Configurations produced by other tools carry line directives, so that
// messages point into the original source. A directive starts in column 1
// and sets the line number (and optionally the file) of the next line.
src :: FromDevice(eth0);
#line 100 "generated/edge.m4"
q :: Queue(256);
# 7 "templates/shaper.click"
shaper :: BandwidthShaper(2Mbps);
#line 300
out :: ToDevice(eth1);
src -> q -> shaper -> out;
