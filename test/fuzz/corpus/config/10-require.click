require(package fastclassifier, specialcode, compact_config);
require(library lib.click);
elementclass A B;
elementclass B { input -> output }
Idle -> A -> B -> Discard;
