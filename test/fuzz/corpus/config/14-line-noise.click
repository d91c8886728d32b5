x::A(1)->y::B[1]->[2]z::C;;;x,y=>[0-1]w::D{$a|input->output}(1)
elementclass E F;E->Idle
define($q"a,b") G($q) H('$q') I(\<41 42>)
