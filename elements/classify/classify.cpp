#include "elements/classify/classify.hpp"

#include "elements/classify/classifier.hpp"
#include "elements/classify/ip_classifier.hpp"
#include "elements/classify/ip_filter.hpp"

namespace pb::elements {

void register_classify_elements(Registry& r) {
  r.set_family("classify");
  r.add<Classifier>();
  r.add<IPClassifier>();
  r.add<IPFilter>();
}

}  // namespace pb::elements
