// Compounds inside compounds. A per-customer edge block contains a policer,
// which contains a meter stage; flattened names nest: edge_a/pol/mt/m.

elementclass MeterStage { $rate |
  input -> m :: Meter($rate);
  m[0] -> [0]output;
  m[1] -> [1]output;
}

elementclass Policer { $rate |
  input -> mt :: MeterStage($rate);
  mt[0] -> output;
  mt[1] -> drops :: Counter -> Discard;
}

elementclass CustomerEdge { $vlan, $rate |
  input -> VLANDecap
    -> pol :: Policer($rate)
    -> q :: Queue(256)
    -> VLANEncap(VLAN_ID $vlan)
    -> output;
}

trunk_in :: FromDevice(eth0)
  -> vlans :: Classifier(12/8100 14/0064%0fff, 12/8100 14/00c8%0fff, -);
edge_a :: CustomerEdge(100, 12500000);
edge_b :: CustomerEdge(200, 1250000);
vlans[0] -> edge_a;
vlans[1] -> edge_b;
vlans[2] -> Discard;
mux :: RoundRobinSched;
edge_a -> [0]mux;
edge_b -> [1]mux;
mux -> trunk_out :: ToDevice(eth1);
