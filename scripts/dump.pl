use strict; use Image::ExifTool; use Image::ExifTool::Exif; use Image::ExifTool::GPS; use JSON::PP;
my @out;
for my $tn ('Image::ExifTool::Exif::Main','Image::ExifTool::GPS::Main') {
  no strict 'refs';
  my $t = \%{$tn};
  for my $id (sort { $a <=> $b } grep /^\d+$/, keys %$t) {
    my $v = $t->{$id};
    my @infos = ref $v eq 'ARRAY' ? @$v : ($v);
    for my $i (@infos) {
      $i = { Name => $i } unless ref $i;
      my %o = (table => $tn, id => $id+0, name => $i->{Name});
      $o{cond} = $i->{Condition} if defined $i->{Condition} and !ref $i->{Condition};
      $o{writable} = $i->{Writable} if defined $i->{Writable};
      $o{format} = $i->{Format} if defined $i->{Format};
      $o{unknown} = 1 if $i->{Unknown};
      $o{binary} = 1 if $i->{Binary};
      $o{subdir} = 1 if $i->{SubDirectory};
      $o{count} = $i->{Count} if defined $i->{Count}; $o{priority} = $i->{Priority} if defined $i->{Priority}; $o{groups2} = $i->{Groups}{0} if $i->{Groups} and $i->{Groups}{0};
      for my $k ('PrintConv','ValueConv','RawConv') {
        my $p = $i->{$k}; next unless defined $p;
        if (ref $p eq 'HASH') {
          my %h; for my $kk (keys %$p) { next if ref $p->{$kk}; $h{$kk} = $p->{$kk}; }
          $o{$k} = \%h;
          for my $kk (keys %$p) { $o{$k.'_'.$kk}= 'REF' if ref $p->{$kk}; }
        } elsif (!ref $p) { $o{$k} = $p }
        else { $o{$k} = 'REF:'.ref($p) }
      }
      push @out, \%o;
    }
  }
}
print JSON::PP->new->canonical->pretty->encode(\@out);
